// Store arithmetic and labels, browser-safe (the cart, checkout and receipt pages and the server agree).
// Money is integer cents. Rates arrive as PostgreSQL numeric strings ("0.0825", "25.5000") and are turned
// into integers (parts per million) so no float ever touches a cent. Rounding: half up, per line.
export { formatMoney } from '~/invoicing/format';

export const ORDER_NUMBER = /^ORD-\d{4}-\d{6}$/;
export const MAX_QUANTITY = 99;
export const PAGE_SIZE = 12;

const PPM = 1_000_000;

/** "0.0825" → 82_500 parts per million (exact for numeric(·, 4) and finer up to 6 decimals). */
export function toPpm(rate: string | number | null | undefined): number {
  if (rate === null || rate === undefined || rate === '') return 0;
  const [whole = '0', fraction = ''] = String(rate).split('.');
  const digits = `${fraction}000000`.slice(0, 6);
  return Number(whole) * PPM + Number(digits);
}

/** amount × ppm / 1e6, rounded half up (amount ≥ 0). */
export function applyPpm(amount: number, ppm: number): number {
  return Math.floor((amount * ppm + PPM / 2) / PPM);
}

/** Splits `total` over `weights` in proportion, the cents left by rounding down going to the largest remainders. */
export function allocate(total: number, weights: number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  if (sum === 0 || total === 0) return weights.map(() => 0);
  const exact = weights.map((w) => (total * w) / sum);
  const shares = exact.map(Math.floor);
  let left = total - shares.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    shares[i] = (shares[i] ?? 0) + 1;
    left -= 1;
  }
  return shares;
}

export interface PricedLine {
  productId: string;
  /** quantity × unit price, cents. */
  total: number;
  /** products.tax_rate as stored ("0.0825") or null. */
  taxRate: string | null;
  /** Whether the discount applies to this line (product restriction). */
  eligible: boolean;
}

export interface Discount {
  percentOff: string | null;
  amountOff: number | null;
}

export interface OrderTotals {
  subtotal: number;
  discountAmount: number;
  taxAmount: number;
  totalAmount: number;
  /** Per line, in the order given: its share of the discount and its tax. */
  lines: { discount: number; tax: number }[];
}

/**
 * The order's money (ADR 0015): subtotal = Σ line totals; the discount is taken from the eligible lines
 * (percent: rounded half up on their sum; fixed: at most their sum) and spread over them in proportion;
 * tax is charged per line on what is left of it after its discount share, rounded half up;
 * total = subtotal − discount + tax. Every amount is ≥ 0, as the CHECKs require.
 */
export function orderTotals(lines: PricedLine[], discount: Discount | null): OrderTotals {
  const subtotal = lines.reduce((a, l) => a + l.total, 0);
  const eligibleTotal = lines.reduce((a, l) => a + (l.eligible ? l.total : 0), 0);
  let discountAmount = 0;
  if (discount?.percentOff) discountAmount = applyPpm(eligibleTotal, toPpm(discount.percentOff) / 100);
  else if (discount?.amountOff) discountAmount = discount.amountOff;
  discountAmount = Math.min(discountAmount, eligibleTotal);
  const shares = allocate(
    discountAmount,
    lines.map((l) => (l.eligible ? l.total : 0)),
  );
  const perLine = lines.map((l, i) => {
    const share = shares[i] ?? 0;
    return { discount: share, tax: applyPpm(l.total - share, toPpm(l.taxRate)) };
  });
  const taxAmount = perLine.reduce((a, l) => a + l.tax, 0);
  return {
    subtotal,
    discountAmount,
    taxAmount,
    totalAmount: subtotal - discountAmount + taxAmount,
    lines: perLine,
  };
}

/** "8.25%" for "0.0825"; null without a rate. */
export function formatTaxRate(rate: string | null): string | null {
  const ppm = toPpm(rate);
  if (!ppm) return null;
  return `${(ppm / 10_000).toFixed(4).replace(/\.?0+$/, '')}%`;
}

/** "25%" / "25.5%" for a percent_off string. */
export function formatPercent(percent: string): string {
  return `${(toPpm(percent) / PPM).toFixed(4).replace(/\.?0+$/, '')}%`;
}

export type StockState =
  | { kind: 'untracked' }
  | { kind: 'in_stock'; available: number }
  | { kind: 'low'; available: number; label: string }
  | { kind: 'sold_out'; label: string };

/** What the shop says about stock: "3 left" under low_stock_threshold, "Sold out" at 0. */
export function stockState(p: {
  trackInventory: boolean;
  available: number;
  lowStockThreshold: number | null;
}): StockState {
  if (!p.trackInventory) return { kind: 'untracked' };
  if (p.available <= 0) return { kind: 'sold_out', label: 'Sold out' };
  if (p.lowStockThreshold !== null && p.available < p.lowStockThreshold)
    return { kind: 'low', available: p.available, label: `${p.available} left` };
  return { kind: 'in_stock', available: p.available };
}

/** Whole currency units as typed in a filter ("10", "10.5") → cents; null when blank or not a price. */
export function parsePrice(value: string | null | undefined): number | null {
  if (!value) return null;
  const v = value.trim();
  if (!/^\d{1,7}(\.\d{1,2})?$/.test(v)) return null;
  const [whole = '0', fraction = ''] = v.split('.');
  return Number(whole) * 100 + Number(`${fraction}00`.slice(0, 2));
}

export const PRODUCT_TYPE_LABELS = {
  ONE_TIME: 'Product',
  SUBSCRIPTION: 'Plan subscription',
  DIGITAL_DOWNLOAD: 'Digital download',
  SERVICE: 'Service',
} as const;

export const ORDER_STATUS_LABELS = {
  PENDING: 'Awaiting payment',
  PROCESSING: 'Paid, needs attention',
  COMPLETED: 'Completed',
  CANCELED: 'Canceled',
  REFUNDED: 'Refunded',
} as const;

/** A recurring price's interval ("month") from Stripe's recurring object. */
export function intervalOf(recurring: unknown): string | null {
  const interval = (recurring as { interval?: unknown } | null)?.interval;
  return typeof interval === 'string' ? interval : null;
}
