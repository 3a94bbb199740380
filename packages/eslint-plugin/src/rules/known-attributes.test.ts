import { ruleTester } from '../test-support.js';
import { knownAttributes } from './known-attributes.js';

const alias = (key: string, canonical: string) => ({ messageId: 'alias', data: { key, canonical } });
const renamed = (key: string, canonical: string) => ({ messageId: 'renamed', data: { key, canonical } });

ruleTester().run('cairn/known-attributes', knownAttributes, {
  valid: [
    { name: 'a key the org refines from OpenTelemetry', code: "span.setAttribute('user.id', id);" },
    { name: 'org keys in every call shape', code: `
      span.setAttributes({ 'acme.cart.total': total, 'acme.order.id': orderId });
      tracer.startSpan('checkout', { attributes: { 'acme.cart.id': cartId } });
      tracer.startActiveSpan('checkout', { attributes: { 'acme.tenant.id': tenant } }, (span) => span.end());
      addFields({ 'acme.payment.method': 'card' });
      ctx.addTraceFields({ 'acme.tenant.plan': plan });
      unitOfWork('checkout', run, { 'acme.cart.item_count': 3 });` },
    { name: 'an instance of a template attribute', code: "span.setAttribute('http.request.header.x-request-id', [id]);" },
    { name: 'computed keys, spreads and built keys are not checked', code: `
      span.setAttributes({ [key]: 1, ...base, [\`acme.\${name}\`]: 2 });
      span.setAttribute(key, 1);
      span.setAttribute(\`acme.cart.\${field}\`, 1);` },
    { name: 'a span started with a callback only has no attributes to check', code: "tracer.startActiveSpan('checkout', (span) => span.end());" },
    { name: 'DOM attributes: dot-less keys on a receiver not named like a span', code: `
      el.setAttribute('data-testid', 'cart');
      document.body.setAttribute('class', theme);
      this.root.setAttribute('aria-label', label);
      input.setAttribute('userId', id);` },
    { name: 'other calls with string keys are left alone', code: "cache.set('userId', id); startSpan('checkout', { kind: 1, links: [] });" },
    { name: 'TypeScript wrappers around the object', code: `
      span.setAttributes({ 'acme.cart.total': total as number } satisfies Attributes);
      span.setAttributes(<Attributes>{ 'user.email': email! });` },
  ],
  invalid: [
    {
      name: 'keys with dots are checked on any receiver, and dot-less ones on span-named receivers',
      code: "s.setAttribute('acme.cartTotal', t);\nrootSpan.setAttribute('userId', id);\ntrace.getActiveSpan()?.setAttribute('cart_total', t);\nsetAttribute('userId', id);",
      output: "s.setAttribute('acme.cartTotal', t);\nrootSpan.setAttribute('user.id', id);\ntrace.getActiveSpan()?.setAttribute('acme.cart.total', t);\nsetAttribute('user.id', id);",
      errors: [
        { messageId: 'unknown', suggestions: [{ messageId: 'replace', output: "s.setAttribute('acme.cart.total', t);\nrootSpan.setAttribute('userId', id);\ntrace.getActiveSpan()?.setAttribute('cart_total', t);\nsetAttribute('userId', id);" }] },
        alias('userId', 'user.id'), alias('cart_total', 'acme.cart.total'), alias('userId', 'user.id'),
      ],
    },
    {
      name: 'an old camelCase name is renamed to its canonical key',
      code: "span.setAttribute('userId', id);",
      output: "span.setAttribute('user.id', id);",
      errors: [{ message: 'Use `user.id` instead of the old name `userId`.' }],
    },
    {
      name: 'the fix keeps double quotes and backticks',
      code: 'span.setAttribute("cart_total", t); span.setAttribute(`cartTotal`, t);',
      output: 'span.setAttribute("acme.cart.total", t); span.setAttribute(`acme.cart.total`, t);',
      errors: [alias('cart_total', 'acme.cart.total'), alias('cartTotal', 'acme.cart.total')],
    },
    {
      name: 'identifier, shorthand and computed-literal keys become quoted keys',
      code: "span.setAttributes({ userId: id, orderId, ['cart_id']: cart });",
      output: "span.setAttributes({ 'user.id': id, 'acme.order.id': orderId, ['acme.cart.id']: cart });",
      errors: [alias('userId', 'user.id'), alias('orderId', 'acme.order.id'), alias('cart_id', 'acme.cart.id')],
    },
    {
      name: 'attributes given when a span starts',
      code: "tracer.startSpan('checkout', { kind, attributes: { customerId: id } });\n"
        + "tracer.startActiveSpan('pay', { attributes: { 'paymentMethod': m } }, (span) => span.end());",
      output: "tracer.startSpan('checkout', { kind, attributes: { 'user.id': id } });\n"
        + "tracer.startActiveSpan('pay', { attributes: { 'acme.payment.method': m } }, (span) => span.end());",
      errors: [alias('customerId', 'user.id'), alias('paymentMethod', 'acme.payment.method')],
    },
    {
      name: 'fields added with the Cairn SDK, bare and as members',
      code: "addFields({ user_id: id });\nwide.addTraceFields({ tenantId: t });\nunitOfWork('checkout', run, { cartId: c });\nctx.addFields({ currency });",
      output: "addFields({ 'user.id': id });\nwide.addTraceFields({ 'acme.tenant.id': t });\nunitOfWork('checkout', run, { 'acme.cart.id': c });\nctx.addFields({ 'acme.order.currency': currency });",
      errors: [alias('user_id', 'user.id'), alias('tenantId', 'acme.tenant.id'), alias('cartId', 'acme.cart.id'), alias('currency', 'acme.order.currency')],
    },
    {
      name: 'a deprecated org key is renamed to its replacement',
      code: "span.setAttribute('acme.cart.value', total);",
      output: "span.setAttribute('acme.cart.total', total);",
      errors: [{ message: '`acme.cart.value` is deprecated: it was renamed to `acme.cart.total`.' }],
    },
    {
      name: 'a deprecated OpenTelemetry key is renamed to its replacement',
      code: "span.setAttributes({ 'http.method': req.method });",
      output: "span.setAttributes({ 'http.request.method': req.method });",
      errors: [renamed('http.method', 'http.request.method')],
    },
    {
      name: 'a deprecated key with no replacement is reported without a fix',
      code: "span.setAttribute('db.cosmosdb.operation_type', op);",
      output: null,
      errors: [{ message: '`db.cosmosdb.operation_type` is deprecated and nothing replaces it (Removed, no replacement at this time). Stop recording it.' }],
    },
    {
      name: 'a typo gets a did-you-mean suggestion, not an autofix',
      code: "span.setAttribute('acme.cart.totl', t);",
      output: null,
      errors: [{
        message: '`acme.cart.totl` is not in the registry. Did you mean `acme.cart.total`?',
        suggestions: [{ messageId: 'replace', data: { key: 'acme.cart.totl', canonical: 'acme.cart.total' }, output: "span.setAttribute('acme.cart.total', t);" }],
      }],
    },
    {
      name: 'a key missing the org namespace is pointed to it',
      code: 'addFields({ cartTotal: t, "cart.item_count": n });',
      output: 'addFields({ \'acme.cart.total\': t, "cart.item_count": n });',
      errors: [
        alias('cartTotal', 'acme.cart.total'),
        {
          message: '`cart.item_count` is not in the registry. Did you mean `acme.cart.item_count`?',
          suggestions: [{ messageId: 'replace', output: 'addFields({ cartTotal: t, "acme.cart.item_count": n });' }],
        },
      ],
    },
    {
      name: 'an unknown key with nothing close is told where org fields live',
      code: "span.setAttribute('checkout.flow_variant', v);",
      errors: [{ message: '`checkout.flow_variant` is not in the registry. Org fields live under `acme.*`: define it there in the registry, or use a defined key.' }],
    },
    {
      name: 'an unknown key inside an OpenTelemetry namespace',
      code: "span.setAttribute('http.retry_budget', 3);",
      errors: [{
        message: '`http.retry_budget` is in OpenTelemetry\u2019s `http.*` namespace, but OpenTelemetry does not define it. Use a key OpenTelemetry defines, or define the field under `acme.*` in the registry.',
      }],
    },
    {
      name: 'an unknown key in the org namespace must be defined first',
      code: "span.setAttribute('acme.checkout.flow_variant', v);",
      errors: [{ message: '`acme.checkout.flow_variant` is not in the registry. Define it in the registry before recording it.' }],
    },
    {
      name: 'a rename that would collide with a key already in the object is only suggested',
      code: "span.setAttributes({ userId: a, 'user.id': b, cart_id: c, cartId: d });",
      output: null,
      errors: [
        { messageId: 'alias', suggestions: [{ messageId: 'replace', output: "span.setAttributes({ 'user.id': a, 'user.id': b, cart_id: c, cartId: d });" }] },
        { messageId: 'alias', suggestions: [{ messageId: 'replace', output: "span.setAttributes({ userId: a, 'user.id': b, 'acme.cart.id': c, cartId: d });" }] },
        { messageId: 'alias', suggestions: [{ messageId: 'replace', output: "span.setAttributes({ userId: a, 'user.id': b, cart_id: c, 'acme.cart.id': d });" }] },
      ],
    },
    {
      name: 'TypeScript: keys inside `as` and `satisfies` are fixed',
      code: 'span.setAttributes({ userEmail: user.email as string } satisfies Attributes);\nspan.setAttribute(\'clientIp\' as const, ip);',
      output: "span.setAttributes({ 'user.email': user.email as string } satisfies Attributes);\nspan.setAttribute('client.address' as const, ip);",
      errors: [alias('userEmail', 'user.email'), alias('clientIp', 'client.address')],
    },
  ],
});
