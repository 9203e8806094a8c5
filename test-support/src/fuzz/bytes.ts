/**
 * Byte-level mutators built on fast-check arbitraries: flips, overwrites, truncations, insertions, splices and
 * plain random bytes, applied to a valid seed input.
 */
import fc from 'fast-check';

/** One mutation of a byte string, labelled so a failure says what was done. */
export interface Mutation {
  readonly kind: string;
  readonly bytes: Buffer;
}

function flipBits(seed: Buffer): fc.Arbitrary<Mutation> {
  const max = Math.max(seed.length * 8 - 1, 0);
  return fc.array(fc.nat({ max }), { minLength: 1, maxLength: 8 }).map((bits) => {
    const out = Buffer.from(seed);
    for (const bit of bits) if (out.length > 0) out[bit >> 3] ^= 1 << (bit & 7);
    return { kind: 'bit-flip', bytes: out };
  });
}

function overwrite(seed: Buffer): fc.Arbitrary<Mutation> {
  const max = Math.max(seed.length - 1, 0);
  return fc
    .array(fc.tuple(fc.nat({ max }), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 })
    .map((edits) => {
      const out = Buffer.from(seed);
      for (const [at, value] of edits) if (out.length > 0) out[at] = value;
      return { kind: 'overwrite', bytes: out };
    });
}

function truncate(seed: Buffer): fc.Arbitrary<Mutation> {
  return fc
    .nat({ max: Math.max(seed.length - 1, 0) })
    .map((length) => ({ kind: 'truncate', bytes: seed.subarray(0, length) }));
}

function insert(seed: Buffer): fc.Arbitrary<Mutation> {
  return fc
    .tuple(fc.nat({ max: seed.length }), fc.uint8Array({ minLength: 1, maxLength: 32 }))
    .map(([at, extra]) => ({
      kind: 'insert',
      bytes: Buffer.concat([seed.subarray(0, at), Buffer.from(extra), seed.subarray(at)]),
    }));
}

function duplicateRange(seed: Buffer): fc.Arbitrary<Mutation> {
  return fc.tuple(fc.nat({ max: seed.length }), fc.nat({ max: seed.length })).map(([a, b]) => {
    const [from, to] = a <= b ? [a, b] : [b, a];
    return {
      kind: 'duplicate',
      bytes: Buffer.concat([seed.subarray(0, to), seed.subarray(from, to), seed.subarray(to)]),
    };
  });
}

/** Random bytes of up to `maxLength` (no relation to any seed). */
export function randomBytesArb(maxLength = 256): fc.Arbitrary<Mutation> {
  return fc.uint8Array({ maxLength }).map((bytes) => ({ kind: 'random', bytes: Buffer.from(bytes) }));
}

/** Structure-blind mutations of `seed`: most inputs stay close to valid, so decoders get deep. */
export function mutatedBytes(seed: Buffer): fc.Arbitrary<Mutation> {
  return fc.oneof(
    flipBits(seed),
    overwrite(seed),
    truncate(seed),
    insert(seed),
    duplicateRange(seed),
    randomBytesArb(Math.max(64, seed.length)),
  );
}

/** Draws `count` values of `arb` from `seed` (same seed, same values). */
export function sampleSeeded<T>(arb: fc.Arbitrary<T>, seed: number, count: number): T[] {
  return fc.sample(arb, { seed, numRuns: count });
}
