import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  DRAW_ALGORITHM,
  type DrawRecord,
  drawOrder,
  drawWinners,
  newDrawSeed,
  verifyDraw,
} from './draw-algorithm';

// The known answer (docs/draws.md repeats it so other implementations can check themselves).
const KAT_SEED = '000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f';
const KAT_IDS = ['p1', 'p2', 'p3', 'p4', 'p5'];
const KAT_ORDER = ['p5', 'p1', 'p2', 'p4', 'p3'];

/** The documented algorithm written out the obvious way with node:crypto, independent of the module. */
function referenceOrder(seedHex: string, ids: string[]): string[] {
  const seed = Buffer.from(seedHex, 'hex');
  let counter = 0;
  let block = Buffer.alloc(0);
  let offset = 0;
  const nextUint32 = () => {
    if (offset >= block.length) {
      const c = Buffer.alloc(4);
      c.writeUInt32BE(counter++);
      block = createHash('sha256')
        .update(Buffer.concat([seed, c]))
        .digest();
      offset = 0;
    }
    const v = block.readUInt32BE(offset);
    offset += 4;
    return v;
  };
  const uniform = (n: number) => {
    const limit = Math.floor(2 ** 32 / n) * n;
    let x = nextUint32();
    while (x >= limit) x = nextUint32();
    return x % n;
  };
  const a = [...ids];
  for (let i = a.length - 1; i >= 1; i--) {
    const j = uniform(i + 1);
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const record = (seed: string, candidate_ids: string[]): DrawRecord => ({
  seed,
  algorithm: DRAW_ALGORITHM,
  candidate_ids,
});

describe('draw algorithm', () => {
  it('gives the known answer for a fixed seed and five ids, as the reference implementation does', async () => {
    expect(await drawOrder(KAT_SEED, KAT_IDS)).toEqual(KAT_ORDER);
    expect(referenceOrder(KAT_SEED, KAT_IDS)).toEqual(KAT_ORDER);
    expect(await drawWinners(KAT_SEED, KAT_IDS, 2)).toEqual(['p5', 'p1']);
  });

  it('matches the reference implementation on random seeds and sizes, across block boundaries', async () => {
    for (const n of [1, 2, 3, 7, 8, 9, 17, 100, 257]) {
      const ids = Array.from({ length: n }, (_, i) => `c${String(i).padStart(4, '0')}`);
      const seed = newDrawSeed();
      expect(await drawOrder(seed, ids)).toEqual(referenceOrder(seed, ids));
    }
  });

  it('is a permutation and does not modify its input', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
    const order = await drawOrder(newDrawSeed(), ids);
    expect([...order].sort()).toEqual(ids);
    expect(ids).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(await drawOrder(newDrawSeed(), [])).toEqual([]);
    expect(await drawOrder(newDrawSeed(), ['only'])).toEqual(['only']);
  });

  it('makes fresh 64-character lowercase hex seeds', () => {
    const a = newDrawSeed();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(newDrawSeed()).not.toBe(a);
  });

  it('gives the same winners for the same seed and different winners for different seeds', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => `id-${String(i).padStart(2, '0')}`);
    const seed = newDrawSeed();
    const first = await drawWinners(seed, ids, 5);
    expect(await drawWinners(seed, ids, 5)).toEqual(first);
    // Winners of a smaller draw are the start of a bigger one with the same seed.
    expect(await drawWinners(seed, ids, 2)).toEqual(first.slice(0, 2));
    const other = await drawWinners(newDrawSeed(), ids, 5);
    expect(other).not.toEqual(first); // same five in the same order: chance ≈ 1 / 254 251 200
  });

  it('is fair: 20,000 one-winner draws over 10 entrants pass a 4σ and a chi-square test', async () => {
    const ids = Array.from({ length: 10 }, (_, i) => `entrant-${i}`);
    const draws = 20_000;
    const wins = new Map(ids.map((id) => [id, 0]));
    const started = performance.now();
    for (let k = 0; k < draws; k++) {
      const [winner] = await drawWinners(newDrawSeed(), ids, 1);
      wins.set(winner!, wins.get(winner!)! + 1);
    }
    const elapsed = performance.now() - started;
    const expected = draws * 0.1;
    const sigma = Math.sqrt(draws * 0.1 * 0.9); // ≈ 42.4
    let chiSquare = 0;
    for (const count of wins.values()) {
      expect(Math.abs(count - expected)).toBeLessThan(4 * sigma);
      chiSquare += (count - expected) ** 2 / expected;
    }
    expect(chiSquare).toBeLessThan(27.88); // χ²(9) at 0.999
    console.info(`fairness: ${draws} draws in ${Math.round(elapsed)} ms, χ² = ${chiSquare.toFixed(2)}`);
  });

  it('refuses unsorted, duplicate or malformed input with a clear message', async () => {
    const seed = newDrawSeed();
    await expect(drawOrder(seed, ['b', 'a'])).rejects.toThrow(/sorted ascending by id: "b" comes before "a"/);
    await expect(drawOrder(seed, ['a', 'a'])).rejects.toThrow(/contain "a" twice/);
    await expect(drawOrder(seed, ['a', ''])).rejects.toThrow(/non-empty string id/);
    await expect(drawOrder('xyz', ['a'])).rejects.toThrow(/64 lowercase hexadecimal/);
    await expect(drawOrder(seed.toUpperCase(), ['a'])).rejects.toThrow(/64 lowercase hexadecimal/);
    await expect(drawWinners(seed, ['a', 'b'], 3)).rejects.toThrow('Cannot draw 3 winners from 2 candidates');
    await expect(drawWinners(seed, ['a', 'b'], -1)).rejects.toThrow(/whole number/);
    await expect(drawWinners(seed, ['a', 'b'], 1.5)).rejects.toThrow(/whole number/);
  });
});

describe('verifyDraw', () => {
  it('accepts each winner of a batch at its position', async () => {
    const rec = record(KAT_SEED, KAT_IDS);
    expect(await verifyDraw(rec, 'p5', 0)).toEqual({ ok: true, recomputed: ['p5'] });
    expect(await verifyDraw(rec, 'p1', 1)).toEqual({ ok: true, recomputed: ['p5', 'p1'] });
    expect((await verifyDraw(rec, 'p3')).ok).toBe(true); // position unknown: any candidate
  });

  it('fails with a reason for the wrong winner, a tampered record or an unknown algorithm', async () => {
    const rec = record(KAT_SEED, KAT_IDS);
    const wrong = await verifyDraw(rec, 'p1', 0);
    expect(wrong).toMatchObject({ ok: false, recomputed: ['p5'] });
    expect(wrong.reason).toBe('The draw picks "p5" as winner #1, not "p1"');
    expect((await verifyDraw(rec, 'stranger')).reason).toMatch(/not among the draw's candidates/);
    expect((await verifyDraw({ ...rec, algorithm: 'mt19937/v0' }, 'p5', 0)).reason).toMatch(
      /Unknown draw algorithm "mt19937\/v0"/,
    );
    expect((await verifyDraw({ ...rec, seed: 'nope' }, 'p5', 0)).reason).toMatch(/64 lowercase hexadecimal/);
    expect((await verifyDraw(record(KAT_SEED, ['p2', 'p1']), 'p1', 0)).reason).toMatch(/sorted ascending/);
    expect((await verifyDraw(rec, 'p5', 5)).reason).toMatch(/outside the 5 candidates/);
    expect((await verifyDraw(record(KAT_SEED, []), 'p5', 0)).reason).toMatch(/no candidates/);
    // One hex digit changed in the seed: the draw now picks p1 first, so the stored winner p5 fails.
    const tampered = await verifyDraw(record(`${KAT_SEED.slice(0, 63)}0`, KAT_IDS), 'p5', 0);
    expect(tampered).toMatchObject({ ok: false, recomputed: ['p1'] });
  });
});
