/**
 * The strict, bounds-checked ASN.1 DER reader. Nodes are views into the input (no copies). Every failure is an
 * `InvalidArgumentError` (`ERR_MALFORMED_DER`) whose message names the field being read, never a RangeError.
 */
import { InvalidArgumentError } from '../errors';
import { Tag } from './tags';
import { oid } from './writer';

/** One decoded TLV, pointing into the source buffer. Copy `raw` before keeping it long-term. */
export interface DerNode {
  /** Identifier octet (only single-octet tags are supported). */
  readonly tag: number;
  /** The whole TLV: header + content. */
  readonly raw: Buffer;
  /** Content octets. */
  readonly content: Buffer;
}

/** Builds the error used for every DER defect: `<field> <problem>`. */
export function malformed(field: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`${field} ${problem}`, 'ERR_MALFORMED_DER');
}

/**
 * A node's `raw` and `content` views are made on first use: walking a structure with {@link children} reads the
 * parent's octets directly, so nodes that are only passed through cost no Buffer views.
 */
class LazyNode implements DerNode {
  #raw?: Buffer;
  #content?: Buffer;
  constructor(
    readonly tag: number,
    readonly buf: Buffer,
    readonly start: number,
    readonly contentStart: number,
    readonly end: number,
  ) {}

  get raw(): Buffer {
    return (this.#raw ??= this.buf.subarray(this.start, this.end));
  }

  get content(): Buffer {
    return (this.#content ??= this.buf.subarray(this.contentStart, this.end));
  }
}

/**
 * Reads the TLV at `offset` of `buf`. Lengths must be definite and minimal (DER); at most 4 length octets.
 * @param field names the value in error messages, e.g. `csr subject`.
 */
export function readNode(buf: Buffer, offset: number, field: string): DerNode {
  return readAt(buf, offset, buf.length, field);
}

function readAt(buf: Buffer, offset: number, limit: number, field: string): LazyNode {
  if (offset + 2 > limit) throw malformed(field, 'is truncated');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw malformed(field, 'uses an unsupported multi-byte tag');
  const first = buf[offset + 1];
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0) throw malformed(field, 'has an indefinite length (BER, not DER)');
    if (count > 4) throw malformed(field, 'has an unsupported length encoding');
    if (offset + 2 + count > limit) throw malformed(field, 'is truncated');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[offset + 2 + i];
    if (length < 0x80 || buf[offset + 2] === 0) throw malformed(field, 'has a non-minimal length');
    header += count;
  }
  const end = offset + header + length;
  if (end > limit) throw malformed(field, 'is truncated');
  return new LazyNode(tag, buf, offset, offset + header, end);
}

/** Reads exactly one TLV that must span all of `buf` and carry `expectedTag`. */
export function readSingle(buf: Buffer, expectedTag: number, field: string): DerNode {
  const node = readAt(buf, 0, buf.length, field);
  if (node.end !== buf.length) throw malformed(field, 'has trailing data');
  return expectTag(node, expectedTag, field);
}

/** Splits the content of a constructed node into its child TLVs. */
export function children(node: DerNode, field: string): DerNode[] {
  if (node instanceof LazyNode) return readRange(node.buf, node.contentStart, node.end, field);
  return readAll(node.content, field);
}

/** Reads back-to-back TLVs filling all of `buf` (e.g. a concatenated certificate chain). */
export function readAll(buf: Buffer, field: string): DerNode[] {
  return readRange(buf, 0, buf.length, field);
}

function readRange(buf: Buffer, start: number, end: number, field: string): DerNode[] {
  const out: DerNode[] = [];
  for (let offset = start; offset < end;) {
    const child = readAt(buf, offset, end, field);
    out.push(child);
    offset = child.end;
  }
  return out;
}

/** Returns `node` when its tag is `tag`; throws naming `field` when it is missing or differs. */
export function expectTag(node: DerNode | undefined, tag: number, field: string): DerNode {
  if (!node) throw malformed(field, 'is missing');
  if (node.tag !== tag) throw malformed(field, `has tag 0x${hex(node.tag)}, expected 0x${hex(tag)}`);
  return node;
}

/** The only child of an EXPLICIT wrapper or of a single-element SET/SEQUENCE. */
export function onlyChild(node: DerNode, field: string): DerNode {
  const list = children(node, field);
  if (list.length !== 1) throw malformed(field, `holds ${list.length} values, expected 1`);
  return list[0];
}

/** Arcs above this are decoded with BigInt: one more base-128 digit could pass `Number.MAX_SAFE_INTEGER`. */
const MAX_NUMBER_ARC = 2 ** 46;

/**
 * Decodes an OBJECT IDENTIFIER to dotted form (`1.2.840.10045.2.1`). Arcs are read as numbers, and with BigInt
 * only when one is too long for a number (OIDs are parsed for every CSR, and BigInt arithmetic allocates).
 */
export function readOid(node: DerNode | undefined, field: string): string {
  const { content } = expectTag(node, Tag.OID, field);
  if (content.length === 0 || content[content.length - 1] & 0x80)
    throw malformed(field, 'is not a valid oid');
  const arcs: number[] = [];
  let value = 0;
  let start = true;
  for (let i = 0; i < content.length; i++) {
    if (start && content[i] === 0x80) throw malformed(field, 'is not a valid oid');
    if (value >= MAX_NUMBER_ARC) return readLongOid(content, field);
    value = value * 128 + (content[i] & 0x7f);
    start = !(content[i] & 0x80);
    if (start) {
      arcs.push(value);
      value = 0;
    }
  }
  const first = arcs[0] < 80 ? Math.floor(arcs[0] / 40) : 2;
  return [first, arcs[0] - first * 40, ...arcs.slice(1)].join('.');
}

/** {@link readOid} with BigInt arcs. */
function readLongOid(content: Buffer, field: string): string {
  const arcs: bigint[] = [];
  let value = 0n;
  let start = true;
  for (let i = 0; i < content.length; i++) {
    if (start && content[i] === 0x80) throw malformed(field, 'is not a valid oid');
    value = (value << 7n) | BigInt(content[i] & 0x7f);
    start = !(content[i] & 0x80);
    if (start) {
      arcs.push(value);
      value = 0n;
    }
  }
  const first = arcs[0] < 80n ? arcs[0] / 40n : 2n;
  return [first, arcs[0] - first * 40n, ...arcs.slice(1)].join('.');
}

/** True when `node` is the OBJECT IDENTIFIER `dotted` (a constant), comparing encodings; never throws. */
export function sameOid(node: DerNode | undefined, dotted: string): boolean {
  if (!node || node.tag !== Tag.OID) return false;
  const expected = oid(dotted);
  if (node instanceof LazyNode) return equalBytes(node.buf, node.start, node.end, expected);
  return equalBytes(node.raw, 0, node.raw.length, expected);
}

/** `readOid(node, field) === dotted` (so a malformed OID still throws), without decoding when it matches. */
export function isOid(node: DerNode | undefined, dotted: string, field: string): boolean {
  return sameOid(node, dotted) || readOid(node, field) === dotted;
}

function equalBytes(buf: Buffer, start: number, end: number, expected: Buffer): boolean {
  if (end - start !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) if (buf[start + i] !== expected[i]) return false;
  return true;
}

/** Decodes a BOOLEAN (DER: 0x00 or 0xff). */
export function readBoolean(node: DerNode | undefined, field: string): boolean {
  const { content } = expectTag(node, Tag.BOOLEAN, field);
  if (content.length !== 1 || (content[0] !== 0 && content[0] !== 0xff))
    throw malformed(field, 'is not a DER boolean');
  return content[0] === 0xff;
}

/**
 * Returns the two's-complement content octets of an INTEGER after checking they are minimal. Use it to compare
 * serial numbers byte for byte.
 */
export function readIntegerBytes(node: DerNode | undefined, field: string): Buffer {
  const { content } = expectTag(node, Tag.INTEGER, field);
  if (content.length === 0) throw malformed(field, 'is an empty integer');
  if (
    content.length > 1 &&
    ((content[0] === 0 && !(content[1] & 0x80)) || (content[0] === 0xff && content[1] & 0x80))
  )
    throw malformed(field, 'is a non-minimal integer');
  return content;
}

/** Decodes a non-negative INTEGER that fits a JS number exactly (at most 6 octets). */
export function readSmallUint(node: DerNode | undefined, field: string): number {
  const content = readIntegerBytes(node, field);
  if (content[0] & 0x80) throw malformed(field, 'is negative');
  if (content.length > 6) throw malformed(field, 'is out of range');
  let value = 0;
  for (let i = 0; i < content.length; i++) value = value * 256 + content[i];
  return value;
}

/** A decoded BIT STRING: its octets and how many trailing bits of the last octet are padding. */
export interface BitString {
  readonly bytes: Buffer;
  readonly unusedBits: number;
}

/** Decodes a BIT STRING; padding bits must be zero as DER requires. */
export function readBitString(node: DerNode | undefined, field: string): BitString {
  const { content } = expectTag(node, Tag.BIT_STRING, field);
  if (content.length === 0) throw malformed(field, 'is an empty bit string');
  const unusedBits = content[0];
  const bytes = content.subarray(1);
  if (unusedBits > 7 || (bytes.length === 0 && unusedBits !== 0))
    throw malformed(field, 'has an invalid unused-bits count');
  if (unusedBits && bytes[bytes.length - 1] & ((1 << unusedBits) - 1))
    throw malformed(field, 'has non-zero padding bits');
  return { bytes, unusedBits };
}

/** Returns the octets of a BIT STRING with zero unused bits (keys, signatures). */
export function readBitStringBytes(node: DerNode | undefined, field: string): Buffer {
  const bits = readBitString(node, field);
  if (bits.unusedBits !== 0) throw malformed(field, 'is not a byte-aligned bit string');
  return bits.bytes;
}

/** Returns the content of an OCTET STRING. */
export function readOctetString(node: DerNode | undefined, field: string): Buffer {
  return expectTag(node, Tag.OCTET_STRING, field).content;
}

const STRING_ENCODINGS: Readonly<Record<number, BufferEncoding>> = {
  [Tag.UTF8_STRING]: 'utf8',
  [Tag.PRINTABLE_STRING]: 'latin1',
  [Tag.T61_STRING]: 'latin1',
  [Tag.IA5_STRING]: 'latin1',
};

/** Decodes a UTF8String, PrintableString, T61String or IA5String. */
export function readString(node: DerNode | undefined, field: string): string {
  if (!node) throw malformed(field, 'is missing');
  const encoding = STRING_ENCODINGS[node.tag];
  if (!encoding) throw malformed(field, `has tag 0x${hex(node.tag)}, expected a string`);
  return node.content.toString(encoding);
}

const UTC_TIME = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/;
const GENERALIZED_TIME = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/;

/**
 * Decodes an X.509 Time: UTCTime `YYMMDDHHMMSSZ` (years 1950–2049) or GeneralizedTime `YYYYMMDDHHMMSSZ`, to epoch
 * milliseconds.
 */
export function readTime(node: DerNode | undefined, field: string): number {
  if (!node) throw malformed(field, 'is missing');
  const text = node.content.toString('latin1');
  let match: RegExpExecArray | null = null;
  let year = 0;
  if (node.tag === Tag.UTC_TIME && (match = UTC_TIME.exec(text))) {
    const yy = Number(match[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (node.tag === Tag.GENERALIZED_TIME && (match = GENERALIZED_TIME.exec(text))) {
    year = Number(match[1]);
  }
  if (!match) throw malformed(field, `is not a DER time (${JSON.stringify(text)})`);
  const [month, day, hour, minute, second] = match.slice(2).map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    throw malformed(field, `is not a valid time (${JSON.stringify(text)})`);
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** Splits back-to-back DER SEQUENCEs (a concatenated certificate chain) into copied buffers. */
export function splitConcatenated(buf: Buffer, field: string): Buffer[] {
  return readAll(buf, field).map((node, i) => {
    expectTag(node, Tag.SEQUENCE, `${field} item ${i}`);
    return Buffer.from(node.raw);
  });
}

function hex(tag: number): string {
  return tag.toString(16).padStart(2, '0');
}
