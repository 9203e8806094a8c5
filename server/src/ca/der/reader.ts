/**
 * A strict, bounds-checked ASN.1 DER reader. Every failure is an `InvalidArgumentError` whose message names
 * the field being read (`field` arguments), never a RangeError or TypeError.
 */
import { InvalidArgumentError } from '@lanyard/base';

/** One decoded TLV, pointing into the source buffer (no copies). */
export interface DerNode {
  /** Identifier octet (only single-octet tags are supported). */
  tag: number;
  /** The whole TLV: header + content. */
  raw: Buffer;
  /** Content octets. */
  content: Buffer;
}

/** Reads the TLV at `offset`; `field` names the value in error messages. */
export function readNode(buf: Buffer, offset: number, field: string): DerNode {
  if (offset + 2 > buf.length) throw malformed(field, 'is truncated');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw malformed(field, 'uses an unsupported multi-byte tag');
  const first = buf[offset + 1];
  let length = first;
  let header = 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw malformed(field, 'has an unsupported length encoding');
    if (offset + 2 + count > buf.length) throw malformed(field, 'is truncated');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[offset + 2 + i];
    if (length < 0x80 || buf[offset + 2] === 0) throw malformed(field, 'has a non-minimal length');
    header += count;
  }
  const end = offset + header + length;
  if (end > buf.length) throw malformed(field, 'is truncated');
  return { tag, raw: buf.subarray(offset, end), content: buf.subarray(offset + header, end) };
}

/** Reads exactly one TLV that must span all of `buf` and carry `expectedTag`. */
export function readSingle(buf: Buffer, expectedTag: number, field: string): DerNode {
  const node = readNode(buf, 0, field);
  if (node.raw.length !== buf.length) throw malformed(field, 'has trailing data');
  expectTag(node, expectedTag, field);
  return node;
}

/** Splits constructed content into its child TLVs. */
export function children(node: DerNode, field: string): DerNode[] {
  const out: DerNode[] = [];
  for (let offset = 0; offset < node.content.length;) {
    const child = readNode(node.content, offset, field);
    out.push(child);
    offset += child.raw.length;
  }
  return out;
}

/** Throws unless `node.tag === tag`. */
export function expectTag(node: DerNode | undefined, tag: number, field: string): DerNode {
  if (!node) throw malformed(field, 'is missing');
  if (node.tag !== tag)
    throw malformed(field, `has tag 0x${node.tag.toString(16)}, expected 0x${tag.toString(16)}`);
  return node;
}

/** Decodes an OBJECT IDENTIFIER node to dotted form. */
export function readOid(node: DerNode | undefined, field: string): string {
  const { content } = expectTag(node, 0x06, field);
  if (content.length === 0 || content[content.length - 1] & 0x80)
    throw malformed(field, 'is not a valid oid');
  const arcs: bigint[] = [];
  let value = 0n;
  for (let i = 0; i < content.length; i++) {
    if (value === 0n && content[i] === 0x80) throw malformed(field, 'is not a valid oid');
    value = (value << 7n) | BigInt(content[i] & 0x7f);
    if (!(content[i] & 0x80)) {
      arcs.push(value);
      value = 0n;
    }
  }
  const first = arcs[0] < 80n ? arcs[0] / 40n : 2n;
  return [first, arcs[0] - first * 40n, ...arcs.slice(1)].join('.');
}

/** Returns the bytes of a BIT STRING with zero unused bits (keys, signatures). */
export function readBitStringBytes(node: DerNode | undefined, field: string): Buffer {
  const { content } = expectTag(node, 0x03, field);
  if (content.length === 0 || content[0] !== 0) throw malformed(field, 'is not a byte-aligned bit string');
  return content.subarray(1);
}

/** Builds the error used for every DER defect. */
export function malformed(field: string, problem: string): InvalidArgumentError {
  return new InvalidArgumentError(`${field} ${problem}`, 'ERR_MALFORMED_DER');
}
