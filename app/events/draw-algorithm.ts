// The draw's algorithm (SPEC §6 "Draws"; docs/draws.md): a seeded, unbiased shuffle that anyone can
// recompute from what a winner row stores. Browser-safe on purpose: the verify page runs the same code in
// the visitor's browser, so only Web Crypto (crypto.subtle, crypto.getRandomValues) and no Node APIs.

/** Changing anything below (hash, byte order, sampling, shuffle direction) needs a new version string. */
export const DRAW_ALGORITHM = 'sha256-ctr-fisher-yates/v1';

/** Stored as a winner's `metadata`, snake_case as SPEC §4 names it. */
export interface DrawRecord {
  seed: string;
  algorithm: string;
  candidate_ids: string[];
}

const SEED_PATTERN = /^[0-9a-f]{64}$/;
const TWO_POW_32 = 0x1_0000_0000;

/** 32 random bytes as 64 lowercase hex characters. */
export function newDrawSeed(): string {
  const bytes = new Uint8Array(32);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function seedBytes(seedHex: string): Uint8Array {
  if (typeof seedHex !== 'string' || !SEED_PATTERN.test(seedHex)) {
    throw new TypeError('Draw seed must be 64 lowercase hexadecimal characters (32 bytes)');
  }
  const bytes = new Uint8Array(32);
  for (let i = 0; i < 32; i++) bytes[i] = Number.parseInt(seedHex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function checkCandidates(candidateIds: string[]): void {
  if (!Array.isArray(candidateIds)) throw new TypeError('Draw candidates must be an array of ids');
  for (let i = 0; i < candidateIds.length; i++) {
    const id = candidateIds[i];
    if (typeof id !== 'string' || id === '') {
      throw new TypeError(`Draw candidate #${i + 1} must be a non-empty string id`);
    }
    // Plain string comparison (UTF-16 code units), the order JavaScript's default sort gives.
    const prev = candidateIds[i - 1];
    if (prev !== undefined && prev === id) throw new RangeError(`Draw candidates contain "${id}" twice`);
    if (prev !== undefined && prev > id) {
      throw new RangeError(
        `Draw candidates must be sorted ascending by id: "${prev}" comes before "${id}" (position ${i + 1})`,
      );
    }
  }
  if (candidateIds.length >= TWO_POW_32) throw new RangeError('Too many draw candidates');
}

/**
 * The byte stream SHA-256(seed ‖ uint32be(0)) ‖ SHA-256(seed ‖ uint32be(1)) ‖ …, read as big-endian
 * uint32 values (8 per block).
 */
class SeededStream {
  private readonly input: Uint8Array<ArrayBuffer>;
  private counter = 0;
  private block: DataView | null = null;
  private offset = 32;

  constructor(seed: Uint8Array) {
    this.input = new Uint8Array(new ArrayBuffer(seed.length + 4));
    this.input.set(seed, 0);
  }

  async nextUint32(): Promise<number> {
    if (this.block === null || this.offset >= 32) {
      if (this.counter >= TWO_POW_32) throw new RangeError('Draw generator exhausted its counter');
      new DataView(this.input.buffer).setUint32(this.input.length - 4, this.counter, false);
      this.block = new DataView(await crypto.subtle.digest('SHA-256', this.input));
      this.counter++;
      this.offset = 0;
    }
    const value = this.block.getUint32(this.offset, false);
    this.offset += 4;
    return value;
  }

  /** Uniform in [0, n): values ≥ floor(2^32 / n) · n are rejected, so there is no modulo bias. */
  async uniform(n: number): Promise<number> {
    const limit = Math.floor(TWO_POW_32 / n) * n;
    for (;;) {
      const x = await this.nextUint32();
      if (x < limit) return x % n;
    }
  }
}

/** The full permutation of the candidates: Fisher–Yates from the end over the seeded stream. */
export async function drawOrder(seedHex: string, candidateIds: string[]): Promise<string[]> {
  const stream = new SeededStream(seedBytes(seedHex));
  checkCandidates(candidateIds);
  const order = candidateIds.slice();
  for (let i = order.length - 1; i >= 1; i--) {
    const j = await stream.uniform(i + 1);
    const tmp = order[i]!;
    order[i] = order[j]!;
    order[j] = tmp;
  }
  return order;
}

/** The first `count` of drawOrder: the winners of one draw, in the order they were picked. */
export async function drawWinners(seedHex: string, candidateIds: string[], count: number): Promise<string[]> {
  if (!Number.isInteger(count) || count < 0) {
    throw new RangeError(`Number of winners must be a whole number ≥ 0, got ${count}`);
  }
  const order = await drawOrder(seedHex, candidateIds);
  if (count > order.length) {
    throw new RangeError(`Cannot draw ${count} winners from ${order.length} candidates`);
  }
  return order.slice(0, count);
}

export interface DrawCheck {
  ok: boolean;
  recomputed: string[];
  reason?: string;
}

/**
 * Recomputes a stored draw and checks the winner is where it should be: at `position` (0-based, the k-th
 * winner of one batch) when known, otherwise anywhere among the candidates. Never throws: a bad record
 * is a failed check with a reason.
 */
export async function verifyDraw(
  record: DrawRecord,
  winnerCandidateId: string,
  position?: number,
): Promise<DrawCheck> {
  const fail = (reason: string, recomputed: string[] = []): DrawCheck => ({ ok: false, recomputed, reason });
  if (record === null || typeof record !== 'object') return fail('The draw record is missing');
  if (record.algorithm !== DRAW_ALGORITHM) {
    return fail(`Unknown draw algorithm "${String(record.algorithm)}" (this page knows ${DRAW_ALGORITHM})`);
  }
  const candidates = record.candidate_ids;
  try {
    seedBytes(record.seed);
    checkCandidates(candidates);
  } catch (err) {
    return fail((err as Error).message);
  }
  if (candidates.length === 0) return fail('The draw record lists no candidates');
  if (
    position !== undefined &&
    (!Number.isInteger(position) || position < 0 || position >= candidates.length)
  ) {
    return fail(`Position ${position} is outside the ${candidates.length} candidates`);
  }
  const count = position === undefined ? candidates.length : position + 1;
  const recomputed = await drawWinners(record.seed, candidates, count);
  if (!candidates.includes(winnerCandidateId)) {
    return fail(`The winner "${winnerCandidateId}" is not among the draw's candidates`, recomputed);
  }
  if (position !== undefined && recomputed[position] !== winnerCandidateId) {
    return fail(
      `The draw picks "${recomputed[position]}" as winner #${position + 1}, not "${winnerCandidateId}"`,
      recomputed,
    );
  }
  return { ok: true, recomputed };
}
