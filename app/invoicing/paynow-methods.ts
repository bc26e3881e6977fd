// Seed 002's Paynow payment methods, browser-safe: the payment link page lists them, the server module
// (paynow.server.ts) pays with them.
export const PAYNOW_METHODS = [
  'PAYNOW_ECOCASH',
  'PAYNOW_ONEMONEY',
  'PAYNOW_INNBUCKS',
  'PAYNOW_VISA',
  'PAYNOW_MASTERCARD',
] as const;
export type PaynowMethod = (typeof PAYNOW_METHODS)[number];

export const PAYNOW_METHOD_LABELS: Record<PaynowMethod, string> = {
  PAYNOW_ECOCASH: 'EcoCash',
  PAYNOW_ONEMONEY: 'OneMoney',
  PAYNOW_INNBUCKS: 'InnBucks',
  PAYNOW_VISA: 'Visa (Paynow)',
  PAYNOW_MASTERCARD: 'Mastercard (Paynow)',
};
