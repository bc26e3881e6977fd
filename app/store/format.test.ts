// Order arithmetic (ADR 0015): integer cents, half-up rounding per line, discount spread in proportion.
import { describe, expect, it } from 'vitest';
import { allocate, applyPpm, orderTotals, parsePrice, stockState, toPpm } from './format';

const line = (total: number, taxRate: string | null = null, eligible = true, productId = 'p') => ({
  productId,
  total,
  taxRate,
  eligible,
});

describe('order arithmetic', () => {
  it('reads numeric rates exactly and rounds half up', () => {
    expect(toPpm('0.0825')).toBe(82_500);
    expect(toPpm('25.5000')).toBe(25_500_000);
    expect(toPpm(null)).toBe(0);
    expect(applyPpm(1000, 82_500)).toBe(83); // 82.5 → 83 (half up)
    expect(applyPpm(999, 82_500)).toBe(82); // 82.4175 → 82
    expect(applyPpm(0, 82_500)).toBe(0);
  });

  it('subtotal, tax per line and total without a discount', () => {
    const t = orderTotals([line(1999, '0.0825'), line(500, null)], null);
    expect(t).toMatchObject({ subtotal: 2499, discountAmount: 0, taxAmount: 165, totalAmount: 2664 });
    expect(t.lines).toEqual([
      { discount: 0, tax: 165 }, // 164.9175 → 165
      { discount: 0, tax: 0 },
    ]);
  });

  it('a percent discount is rounded half up on the eligible lines, and tax is charged after it', () => {
    const t = orderTotals([line(1000, '0.1'), line(333, '0.1')], { percentOff: '15.0000', amountOff: null });
    // 15% of 1333 = 199.95 → 200, spread 150 / 50 (largest remainder), tax 10% of 850 and 283.
    expect(t.discountAmount).toBe(200);
    expect(t.lines.map((l) => l.discount)).toEqual([150, 50]);
    expect(t.taxAmount).toBe(85 + 28);
    expect(t.totalAmount).toBe(1333 - 200 + 113);
  });

  it('a fixed discount never exceeds the eligible lines, so no amount goes below zero', () => {
    const t = orderTotals([line(400, '0.2', true), line(1000, '0.2', false)], {
      percentOff: null,
      amountOff: 2500,
    });
    expect(t.discountAmount).toBe(400);
    expect(t.lines).toEqual([
      { discount: 400, tax: 0 },
      { discount: 0, tax: 200 },
    ]);
    expect(t.totalAmount).toBe(1400 - 400 + 200);
    for (const v of [t.subtotal, t.discountAmount, t.taxAmount, t.totalAmount])
      expect(v).toBeGreaterThanOrEqual(0);
  });

  it('100% off leaves a zero total', () => {
    const t = orderTotals([line(1234, '0.0825')], { percentOff: '100', amountOff: null });
    expect(t).toMatchObject({ discountAmount: 1234, taxAmount: 0, totalAmount: 0 });
  });

  it('allocation always sums to the amount', () => {
    for (const [total, weights] of [
      [100, [1, 1, 1]],
      [7, [3, 3, 1]],
      [0, [5, 5]],
      [999, [1, 0, 998]],
    ] as [number, number[]][]) {
      const shares = allocate(total, weights);
      expect(shares.reduce((a, b) => a + b, 0)).toBe(total);
      weights.forEach((w, i) => {
        if (w === 0) expect(shares[i]).toBe(0);
      });
    }
    expect(allocate(100, [1, 1, 1])).toEqual([34, 33, 33]);
  });
});

describe('labels', () => {
  it('stock: untracked, in stock, "3 left" under the threshold, sold out', () => {
    expect(stockState({ trackInventory: false, available: 0, lowStockThreshold: 5 })).toEqual({
      kind: 'untracked',
    });
    expect(stockState({ trackInventory: true, available: 9, lowStockThreshold: 5 }).kind).toBe('in_stock');
    expect(stockState({ trackInventory: true, available: 3, lowStockThreshold: 5 })).toMatchObject({
      label: '3 left',
    });
    expect(stockState({ trackInventory: true, available: 0, lowStockThreshold: 5 })).toMatchObject({
      label: 'Sold out',
    });
  });

  it('price filters in currency units become cents; junk is null', () => {
    expect(parsePrice('10')).toBe(1000);
    expect(parsePrice('10.5')).toBe(1050);
    expect(parsePrice(' 0.99 ')).toBe(99);
    for (const junk of ['abc', '-1', '1e3', '10.999', '']) expect(parsePrice(junk)).toBeNull();
  });
});
