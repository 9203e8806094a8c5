/**
 * The DER writer: each function returns the complete TLV encoding of one value, and callers assemble trees with
 * {@link seq} / {@link set}. It is the server CA's issuance hot path, so constructed values are written into one
 * allocation and OID encodings are cached.
 */
import { InvalidArgumentError } from '../errors';
import { Tag } from './tags';

/** Encodes a DER length: short form below 128, long form (minimal bytes) otherwise. */
export function encodeLength(length: number): Buffer {
  const out = Buffer.allocUnsafe(lengthSize(length));
  writeLength(out, 0, length);
  return out;
}

function lengthSize(length: number): number {
  if (length < 0x80) return 1;
  if (length < 0x100) return 2;
  if (length < 0x10000) return 3;
  if (length < 0x1000000) return 4;
  return 5;
}

function writeLength(out: Buffer, offset: number, length: number): number {
  const size = lengthSize(length);
  if (size === 1) {
    out[offset] = length;
    return 1;
  }
  out[offset] = 0x80 | (size - 1);
  for (let i = size - 1, rest = length; i >= 1; i--, rest = Math.floor(rest / 256))
    out[offset + i] = rest & 0xff;
  return size;
}

/**
 * The identifier and length octets of a TLV whose `length` content octets the caller writes after it (e.g. as
 * further {@link constructed} parts, so nested values are copied once).
 */
export function header(tag: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(1 + lengthSize(length));
  out[0] = tag;
  writeLength(out, 1, length);
  return out;
}

/** Wraps `content` in a TLV with the given identifier octet (one allocation). */
export function tlv(tag: number, content: Buffer): Buffer {
  return constructed(tag, [content]);
}

/** A TLV whose content is the concatenation of `parts`, written into one allocation. */
export function constructed(tag: number, parts: readonly Buffer[]): Buffer {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = Buffer.allocUnsafe(1 + lengthSize(length) + length);
  out[0] = tag;
  let offset = 1 + writeLength(out, 1, length);
  for (const part of parts) offset += part.copy(out, offset);
  return out;
}

/** SEQUENCE of already-encoded items. */
export function seq(...items: Buffer[]): Buffer {
  return constructed(Tag.SEQUENCE, items);
}

/** SET of already-encoded items, sorted by their encodings as DER requires for SET OF. */
export function set(...items: Buffer[]): Buffer {
  return constructed(Tag.SET, [...items].sort(Buffer.compare));
}

/** BOOLEAN (DER: TRUE is 0xff). */
export function boolean(value: boolean): Buffer {
  return Buffer.from([Tag.BOOLEAN, 1, value ? 0xff : 0x00]);
}

/** NULL. */
export function nullValue(): Buffer {
  return Buffer.from([Tag.NULL, 0]);
}

/**
 * INTEGER from a non-negative number/bigint or from big-endian unsigned magnitude bytes.
 * Leading zero bytes are stripped and a 0x00 is prepended when the high bit is set (positive value).
 */
export function integer(value: number | bigint | Buffer): Buffer {
  if (Buffer.isBuffer(value)) return integerFromMagnitude(value);
  if (typeof value === 'number' && !Number.isSafeInteger(value))
    throw new InvalidArgumentError(`integer ${value} is not a safe integer`);
  let n = BigInt(value);
  if (n < 0n)
    throw new InvalidArgumentError(`integer ${value} is negative: only non-negative integers are encoded`);
  const out: number[] = [];
  do {
    out.unshift(Number(n & 0xffn));
    n >>= 8n;
  } while (n > 0n);
  return integerFromMagnitude(Buffer.from(out));
}

/** INTEGER of big-endian magnitude bytes written into one allocation (certificate serials take this path). */
function integerFromMagnitude(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  if (start >= bytes.length) return Buffer.from([Tag.INTEGER, 1, 0]);
  const pad = bytes[start] & 0x80 ? 1 : 0;
  const length = bytes.length - start + pad;
  const out = Buffer.allocUnsafe(1 + lengthSize(length) + length);
  out[0] = Tag.INTEGER;
  let offset = 1 + writeLength(out, 1, length);
  if (pad) out[offset++] = 0;
  bytes.copy(out, offset, start);
  return out;
}

/** BIT STRING with `unusedBits` (0–7) padding bits in the last octet. */
export function bitString(bytes: Buffer, unusedBits = 0): Buffer {
  return constructed(Tag.BIT_STRING, [Buffer.from([unusedBits]), bytes]);
}

/**
 * BIT STRING for a named-bit list (e.g. keyUsage): bit 0 is the most significant bit of the first octet;
 * trailing zero bits are dropped as DER requires.
 */
export function namedBits(bitNumbers: readonly number[]): Buffer {
  if (bitNumbers.length === 0) return bitString(Buffer.alloc(0));
  const highest = Math.max(...bitNumbers);
  const bytes = Buffer.alloc(Math.floor(highest / 8) + 1);
  for (const bit of bitNumbers) bytes[bit >> 3] |= 0x80 >> (bit & 7);
  return bitString(bytes, 7 - (highest & 7));
}

/** OCTET STRING. */
export function octetString(bytes: Buffer): Buffer {
  return tlv(Tag.OCTET_STRING, bytes);
}

const oidCache = new Map<string, Buffer>();

/**
 * OBJECT IDENTIFIER from dotted form (`1.2.840.10045.2.1`). Encodings are cached and shared: never mutate the
 * returned buffer.
 */
export function oid(dotted: string): Buffer {
  const cached = oidCache.get(dotted);
  if (cached) return cached;
  const arcs = dotted.split('.').map((arc) => {
    if (!/^\d+$/.test(arc)) throw new InvalidArgumentError(`oid "${dotted}" has a non-numeric arc`);
    return BigInt(arc);
  });
  if (arcs.length < 2 || arcs[0] > 2n || (arcs[0] < 2n && arcs[1] > 39n))
    throw new InvalidArgumentError(`oid "${dotted}" is not a valid object identifier`);
  const body: number[] = [];
  for (const arc of [arcs[0] * 40n + arcs[1], ...arcs.slice(2)]) body.push(...base128(arc));
  const encoded = tlv(Tag.OID, Buffer.from(body));
  oidCache.set(dotted, encoded);
  return encoded;
}

function base128(value: bigint): number[] {
  const out = [Number(value & 0x7fn)];
  for (let rest = value >> 7n; rest > 0n; rest >>= 7n) out.unshift(Number(rest & 0x7fn) | 0x80);
  return out;
}

/** UTF8String. */
export function utf8String(text: string): Buffer {
  return tlv(Tag.UTF8_STRING, Buffer.from(text, 'utf8'));
}

/** PrintableString; throws when `text` has characters outside the PrintableString set. */
export function printableString(text: string): Buffer {
  if (!isPrintable(text))
    throw new InvalidArgumentError(`${JSON.stringify(text)} has characters outside the PrintableString set`);
  return tlv(Tag.PRINTABLE_STRING, Buffer.from(text, 'latin1'));
}

/** IA5String (ASCII). */
export function ia5String(text: string): Buffer {
  return tlv(Tag.IA5_STRING, ia5Bytes(text));
}

/** The content octets of an IA5String; throws on non-ASCII text. */
export function ia5Bytes(text: string): Buffer {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) > 0x7f)
      throw new InvalidArgumentError(`${JSON.stringify(text)} has non-ASCII characters (not an IA5String)`);
  }
  return Buffer.from(text, 'latin1');
}

/** True when every character is in the ASN.1 PrintableString alphabet. */
export function isPrintable(text: string): boolean {
  return /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(text);
}

/** A directory string the way Go encodes names: PrintableString when possible, else UTF8String. */
export function directoryString(text: string): Buffer {
  return isPrintable(text) ? printableString(text) : utf8String(text);
}

/**
 * X.509 Time (RFC 5280 §4.1.2.5): UTCTime for years 1950–2049, GeneralizedTime otherwise,
 * always in whole seconds with a `Z` suffix.
 */
export function time(date: Date): Buffer {
  const year = date.getUTCFullYear();
  const rest =
    pad(date.getUTCMonth() + 1) +
    pad(date.getUTCDate()) +
    pad(date.getUTCHours()) +
    pad(date.getUTCMinutes()) +
    pad(date.getUTCSeconds()) +
    'Z';
  if (year >= 1950 && year < 2050) return tlv(Tag.UTC_TIME, Buffer.from(pad(year % 100) + rest, 'latin1'));
  return tlv(Tag.GENERALIZED_TIME, Buffer.from(String(year).padStart(4, '0') + rest, 'latin1'));
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** EXPLICIT context tag `[n]` around an encoded value (constructed). */
export function explicit(n: number, encoded: Buffer): Buffer {
  return tlv(0xa0 | n, encoded);
}

/** IMPLICIT context tag `[n]` on primitive content bytes (e.g. GeneralName URI `[6]`). */
export function implicitPrimitive(n: number, content: Buffer): Buffer {
  return tlv(0x80 | n, content);
}
