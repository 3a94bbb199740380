/** What a value detector can find. The id is stable: it names the detector in the audit ledger. */
export type DetectorId =
  | 'email'
  | 'payment_card'
  | 'iban'
  | 'phone'
  | 'ipv4'
  | 'ipv6'
  | 'jwt'
  | 'api_key'
  | 'bearer_token'
  | 'private_key'
  | 'us_ssn'
  | 'url_credentials';

/** Every detector, in priority order: when two findings start at the same offset, the earlier one wins. */
export const DETECTOR_IDS: readonly DetectorId[] = [
  'private_key',
  'jwt',
  'url_credentials',
  'api_key',
  'bearer_token',
  'email',
  'iban',
  'payment_card',
  'us_ssn',
  'phone',
  'ipv6',
  'ipv4',
];

/** One match: `value.slice(start, end)` is the sensitive part, and only that part is replaced. */
export interface Finding {
  readonly start: number;
  readonly end: number;
  readonly detector: DetectorId;
}
