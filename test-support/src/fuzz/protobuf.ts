/**
 * Protobuf-aware mutators: they read the top-level fields of a valid message (tag, wire type, span) and
 * produce messages with a field re-tagged to another wire type, a length prefix that lies, an over-long varint,
 * an unknown or repeated field, or a nested message replaced by garbage.
 */
import fc from 'fast-check';
import type { Mutation } from './bytes';

/** One top-level field of an encoded message. */
export interface WireField {
  readonly field: number;
  readonly wireType: number;
  /** Offset of the tag. */
  readonly start: number;
  /** Offset of the value (after the tag, and after the length prefix for wire type 2). */
  readonly valueStart: number;
  readonly end: number;
}

/** Encodes an unsigned varint (up to 2^53). */
export function encodeVarint(value: number): Buffer {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return Buffer.from(out);
}

function readVarint(buf: Buffer, at: number): { value: number; next: number } | undefined {
  let value = 0;
  let scale = 1;
  for (let i = at; i < buf.length && i < at + 10; i++) {
    value += (buf[i] & 0x7f) * scale;
    scale *= 0x80;
    if ((buf[i] & 0x80) === 0) return { value, next: i + 1 };
  }
  return undefined;
}

function valueEnd(
  buf: Buffer,
  wireType: number,
  at: number,
): { valueStart: number; end: number } | undefined {
  if (wireType === 0) {
    const v = readVarint(buf, at);
    return v && { valueStart: at, end: v.next };
  }
  if (wireType === 1) return at + 8 <= buf.length ? { valueStart: at, end: at + 8 } : undefined;
  if (wireType === 5) return at + 4 <= buf.length ? { valueStart: at, end: at + 4 } : undefined;
  if (wireType === 2) {
    const len = readVarint(buf, at);
    if (!len || len.next + len.value > buf.length) return undefined;
    return { valueStart: len.next, end: len.next + len.value };
  }
  return undefined;
}

/** Splits a valid message into its top-level fields; stops at the first byte it cannot read. */
export function readFields(buf: Buffer): WireField[] {
  const fields: WireField[] = [];
  let at = 0;
  while (at < buf.length) {
    const tag = readVarint(buf, at);
    if (!tag) break;
    const span = valueEnd(buf, tag.value & 7, tag.next);
    if (!span) break;
    fields.push({ field: Math.floor(tag.value / 8), wireType: tag.value & 7, start: at, ...span });
    at = span.end;
  }
  return fields;
}

function tag(field: number, wireType: number): Buffer {
  return encodeVarint(field * 8 + wireType);
}

function replaceField(seed: Buffer, f: WireField, replacement: Buffer): Buffer {
  return Buffer.concat([seed.subarray(0, f.start), replacement, seed.subarray(f.end)]);
}

/** A value of the given wire type: a varint, 8 or 4 bytes, or a length-prefixed blob. */
function valueOfType(wireType: number, blob: Buffer): Buffer {
  if (wireType === 0) return encodeVarint(blob.length * 1_000_003);
  if (wireType === 1) return Buffer.concat([blob, Buffer.alloc(8)]).subarray(0, 8);
  if (wireType === 5) return Buffer.concat([blob, Buffer.alloc(4)]).subarray(0, 4);
  return Buffer.concat([encodeVarint(blob.length), blob]);
}

const blobArb = fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b));

/** Mutations that keep the message framing plausible but break what a field holds. */
export function mutatedProtobuf(seed: Buffer): fc.Arbitrary<Mutation> {
  const fields = readFields(seed);
  const unknownField = fc
    .tuple(fc.integer({ min: 1, max: 536_870_911 }), fc.constantFrom(0, 1, 2, 5), blobArb)
    .map(([field, wt, blob]) => ({
      kind: 'unknown-field',
      bytes: Buffer.concat([seed, tag(field, wt), valueOfType(wt, blob)]),
    }));
  const overlongVarint = fc.integer({ min: 1, max: 64 }).map((field) => ({
    kind: 'overlong-varint',
    bytes: Buffer.concat([seed, tag(field, 0), Buffer.alloc(11, 0xff)]),
  }));
  const lyingLength = fc.integer({ min: 1, max: 64 }).map((field) => ({
    kind: 'lying-length',
    bytes: Buffer.concat([seed, tag(field, 2), encodeVarint(0x7fff_ffff), Buffer.from('x')]),
  }));
  if (fields.length === 0) return fc.oneof(unknownField, overlongVarint, lyingLength);
  const pick = fc.nat({ max: fields.length - 1 }).map((i) => fields[i]);
  const wrongType = fc.tuple(pick, fc.constantFrom(0, 1, 2, 5), blobArb).map(([f, wt, blob]) => {
    const other = wt === f.wireType ? (wt + 1) % 3 : wt;
    return {
      kind: `wrong-type field ${f.field} (${f.wireType}->${other})`,
      bytes: replaceField(seed, f, Buffer.concat([tag(f.field, other), valueOfType(other, blob)])),
    };
  });
  const garbageValue = fc.tuple(pick, blobArb).map(([f, blob]) => ({
    kind: `garbage in field ${f.field}`,
    bytes: replaceField(seed, f, Buffer.concat([tag(f.field, 2), encodeVarint(blob.length), blob])),
  }));
  const repeated = pick.map((f) => ({
    kind: `repeated field ${f.field}`,
    bytes: Buffer.concat([seed, seed.subarray(f.start, f.end)]),
  }));
  return fc.oneof(wrongType, garbageValue, repeated, unknownField, overlongVarint, lyingLength);
}
