/**
 * BER → DER normalisation for inputs produced by BER encoders (e.g. the PKCS#7 signatures AWS returns use
 * indefinite lengths and chunked OCTET STRINGs). Indefinite and non-minimal lengths become definite minimal ones,
 * and constructed string types are joined into their primitive form; everything else is copied unchanged.
 */
import { malformed } from './reader';
import { CONSTRUCTED, Tag } from './tags';
import { constructed, tlv } from './writer';

/** Nesting deeper than this is refused (no legitimate structure Lanyard reads comes close). */
const MAX_DEPTH = 64;

/** String types that BER may send constructed (chunked) and DER requires primitive. */
const STRING_TAGS: ReadonlySet<number> = new Set([
  Tag.BIT_STRING,
  Tag.OCTET_STRING,
  Tag.UTF8_STRING,
  Tag.PRINTABLE_STRING,
  Tag.T61_STRING,
  Tag.IA5_STRING,
  Tag.UTC_TIME,
  Tag.GENERALIZED_TIME,
]);

interface BerValue {
  /** DER encoding of the value. */
  readonly der: Buffer;
  /** Offset just past the value in the BER input. */
  readonly end: number;
}

/**
 * Re-encodes one BER value spanning all of `input` as DER.
 * @param field names the input in error messages.
 * @throws InvalidArgumentError (`ERR_MALFORMED_DER`) when the input is not well-formed BER.
 */
export function berToDer(input: Buffer, field: string): Buffer {
  const value = convert(input, 0, field, 0);
  if (value.end !== input.length) throw malformed(field, 'has trailing data');
  return value.der;
}

function convert(buf: Buffer, offset: number, field: string, depth: number): BerValue {
  if (depth > MAX_DEPTH) throw malformed(field, 'is nested too deeply');
  if (offset + 2 > buf.length) throw malformed(field, 'is truncated');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw malformed(field, 'uses an unsupported multi-byte tag');
  const first = buf[offset + 1];
  let start = offset + 2;
  if (first === 0x80) {
    if (!(tag & CONSTRUCTED)) throw malformed(field, 'has an indefinite length on a primitive value');
    return convertChildren(buf, tag, start, undefined, field, depth);
  }
  let length = first;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count > 4) throw malformed(field, 'has an unsupported length encoding');
    if (start + count > buf.length) throw malformed(field, 'is truncated');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[start + i];
    start += count;
  }
  const end = start + length;
  if (end > buf.length) throw malformed(field, 'is truncated');
  if (tag & CONSTRUCTED) return convertChildren(buf, tag, start, end, field, depth);
  return { der: tlv(tag, buf.subarray(start, end)), end };
}

/** Converts the children of a constructed value ending at `end`, or at an end-of-contents marker if undefined. */
function convertChildren(
  buf: Buffer,
  tag: number,
  start: number,
  end: number | undefined,
  field: string,
  depth: number,
): BerValue {
  const parts: Buffer[] = [];
  let offset = start;
  for (;;) {
    if (end === undefined) {
      if (offset + 2 > buf.length) throw malformed(field, 'is missing an end-of-contents marker');
      if (buf[offset] === 0 && buf[offset + 1] === 0) {
        offset += 2;
        break;
      }
    } else if (offset >= end) {
      break;
    }
    const child = convert(end === undefined ? buf : buf.subarray(0, end), offset, field, depth + 1);
    parts.push(child.der);
    offset = child.end;
  }
  const primitiveTag = tag & ~CONSTRUCTED;
  if (STRING_TAGS.has(primitiveTag)) return { der: joinString(primitiveTag, parts, field), end: offset };
  return { der: constructed(tag, parts), end: offset };
}

/** Joins the chunks of a constructed string (each already DER, of the same primitive type) into one value. */
function joinString(tag: number, chunks: readonly Buffer[], field: string): Buffer {
  const contents = chunks.map((chunk) => {
    if (chunk[0] !== tag) throw malformed(field, 'has a constructed string with a chunk of another type');
    return chunk.subarray(headerLength(chunk));
  });
  if (tag === Tag.BIT_STRING) {
    // Each chunk starts with its unused-bits octet; only the last chunk may have padding.
    const bits = contents.map((c, i) => {
      if (c.length === 0 || (i < contents.length - 1 && c[0] !== 0))
        throw malformed(field, 'has a malformed chunked bit string');
      return c.subarray(1);
    });
    const unused = contents.length ? contents[contents.length - 1][0] : 0;
    return constructed(tag, [Buffer.from([unused]), ...bits]);
  }
  return constructed(tag, contents);
}

function headerLength(der: Buffer): number {
  return der[1] & 0x80 ? 2 + (der[1] & 0x7f) : 2;
}
