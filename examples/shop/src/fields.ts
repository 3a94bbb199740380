// The demo's typed fields: what `cairn generate ts examples/conventions --scope used` writes,
// trimmed to the keys the shop uses. A real service commits the generated file as it is.
export interface Fields {
  'acme.cart.id': string;
  'acme.cart.item_count': number;
  'acme.cart.total': number;
  'acme.order.id': string;
  'acme.order.total': number;
  'acme.order.currency': 'EUR' | 'USD' | 'GBP';
  'acme.payment.method': 'card' | 'paypal' | 'invoice';
  'acme.payment.provider': string;
  'acme.payment.outcome': 'approved' | 'declined' | 'error';
  'acme.payment.card.last4': string;
  'acme.payment.card.token': string;
  'acme.tenant.id': string;
  'acme.tenant.plan': 'free' | 'pro' | 'enterprise';
  'acme.user.segment': 'new' | 'returning' | 'vip';
  'user.id': string;
}
