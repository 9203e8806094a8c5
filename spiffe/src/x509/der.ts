/**
 * A minimal DER reader: just enough TLV walking to read the certificate fields `crypto.X509Certificate`
 * does not expose (key usage, basic constraints, URI SANs, validity as dates). Every read is bounds-checked
 * and throws {@link DerError}; callers wrap it into a typed Lanyard error.
 */

/** Thrown when DER bytes are truncated or malformed. */
export class DerError extends Error {}

/** One decoded TLV: its tag byte and the `[start, end)` range of its contents within the source buffer. */
export interface Tlv {
  readonly tag: number;
  /** Offset of the tag byte. */
  readonly headerStart: number;
  readonly start: number;
  readonly end: number;
}

/** DER tag bytes used when reading certificates. */
export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  OID: 0x06,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
} as const;

/** Reads the TLV starting at `offset`, which must end at or before `limit`. */
export function readTlv(buf: Buffer, offset: number, limit: number): Tlv {
  if (offset + 2 > limit) throw new DerError('truncated header');
  const tag = buf[offset];
  if ((tag & 0x1f) === 0x1f) throw new DerError('multi-byte tags are not supported');
  let len = buf[offset + 1];
  let start = offset + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4) throw new DerError('unsupported length encoding');
    if (start + n > limit) throw new DerError('truncated length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[start + i];
    start += n;
  }
  const end = start + len;
  if (end > limit) throw new DerError('content runs past its container');
  return { tag, headerStart: offset, start, end };
}

/** Reads the TLV at `offset` and checks that its tag is `tag`. */
export function expectTlv(buf: Buffer, offset: number, limit: number, tag: number): Tlv {
  const tlv = readTlv(buf, offset, limit);
  if (tlv.tag !== tag)
    throw new DerError(`expected tag 0x${tag.toString(16)}, found 0x${tlv.tag.toString(16)}`);
  return tlv;
}

/** Lists the TLVs directly inside `[start, end)`. */
export function children(buf: Buffer, start: number, end: number): Tlv[] {
  const out: Tlv[] = [];
  for (let off = start; off < end;) {
    const tlv = readTlv(buf, off, end);
    out.push(tlv);
    off = tlv.end;
  }
  return out;
}

/** Decodes an unsigned INTEGER that fits in a JS number. */
export function readSmallUint(buf: Buffer, tlv: Tlv): number {
  const len = tlv.end - tlv.start;
  if (len === 0 || len > 6 || buf[tlv.start] & 0x80) throw new DerError('integer out of range');
  let v = 0;
  for (let i = tlv.start; i < tlv.end; i++) v = v * 256 + buf[i];
  return v;
}

/** Decodes a UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`) into epoch milliseconds. */
export function readTime(buf: Buffer, tlv: Tlv): number {
  const s = buf.toString('latin1', tlv.start, tlv.end);
  let m: RegExpExecArray | null;
  let year: number;
  if (tlv.tag === TAG.UTC_TIME && (m = /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s))) {
    const yy = Number(m[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (tlv.tag === TAG.GENERALIZED_TIME && (m = /^(\d{4})(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)Z$/.exec(s))) {
    year = Number(m[1]);
  } else {
    throw new DerError(`malformed time ${JSON.stringify(s)}`);
  }
  const [mo, d, h, mi, se] = [m[2], m[3], m[4], m[5], m[6]].map(Number);
  return Date.UTC(year, mo - 1, d, h, mi, se);
}

/** Splits back-to-back DER SEQUENCEs (a concatenated certificate chain) into copied buffers. */
export function splitConcatenated(buf: Buffer): Buffer[] {
  return children(buf, 0, buf.length).map((tlv) => {
    if (tlv.tag !== TAG.SEQUENCE) throw new DerError(`expected a SEQUENCE at offset ${tlv.headerStart}`);
    return Buffer.from(buf.subarray(tlv.headerStart, tlv.end));
  });
}
