import { X509Certificate } from 'node:crypto';
import { DerError, TAG, Tlv, children, expectTlv, readSmallUint, readTime } from './der';

/** Key usage bits (RFC 5280 §4.2.1.3) as flags of {@link CertificateInfo.keyUsage}. */
export const KeyUsage = {
  digitalSignature: 1 << 0,
  nonRepudiation: 1 << 1,
  keyEncipherment: 1 << 2,
  dataEncipherment: 1 << 3,
  keyAgreement: 1 << 4,
  keyCertSign: 1 << 5,
  cRLSign: 1 << 6,
  encipherOnly: 1 << 7,
  decipherOnly: 1 << 8,
} as const;

/** The fields of a certificate that SPIFFE validation needs and `X509Certificate` does not expose. */
export interface CertificateInfo {
  /** basicConstraints cA (false when the extension is absent). */
  readonly isCa: boolean;
  /** basicConstraints pathLenConstraint, if set. */
  readonly pathLen?: number;
  /** Key usage flags (see {@link KeyUsage}); `undefined` when the extension is absent. */
  readonly keyUsage?: number;
  /** URI subject alternative names, in order. */
  readonly uris: readonly string[];
  /** Validity window, epoch milliseconds. */
  readonly notBefore: number;
  readonly notAfter: number;
  /** OIDs (dotted) of critical extensions this reader does not understand. */
  readonly unhandledCritical: readonly string[];
}

const OID_BASIC_CONSTRAINTS = '551d13';
const OID_KEY_USAGE = '551d0f';
const OID_SUBJECT_ALT_NAME = '551d11';
const HANDLED = new Set([
  OID_BASIC_CONSTRAINTS,
  OID_KEY_USAGE,
  OID_SUBJECT_ALT_NAME,
  '551d25',
  '551d0e',
  '551d23',
]);
const TAG_URI = 0x86;

const cache = new WeakMap<X509Certificate, CertificateInfo>();

/**
 * Reads (and caches per certificate object) the extensions and validity of `cert`.
 * @throws DerError if the DER is malformed (callers turn it into a typed error).
 */
export function certificateInfo(cert: X509Certificate): CertificateInfo {
  let info = cache.get(cert);
  if (!info) {
    info = readCertificateInfo(cert.raw);
    cache.set(cert, info);
  }
  return info;
}

function readCertificateInfo(der: Buffer): CertificateInfo {
  const cert = expectTlv(der, 0, der.length, TAG.SEQUENCE);
  const tbs = expectTlv(der, cert.start, cert.end, TAG.SEQUENCE);
  const fields = children(der, tbs.start, tbs.end);
  let i = fields[0]?.tag === 0xa0 ? 1 : 0; // optional [0] version
  i += 3; // serialNumber, signature, issuer
  const validity = fields[i];
  if (!validity || validity.tag !== TAG.SEQUENCE) throw new DerError('missing validity');
  const [nb, na] = children(der, validity.start, validity.end);
  if (!nb || !na) throw new DerError('malformed validity');
  const info: Mutable<CertificateInfo> = {
    isCa: false,
    uris: [],
    notBefore: readTime(der, nb),
    notAfter: readTime(der, na),
    unhandledCritical: [],
  };
  const extWrapper = fields.find((f) => f.tag === 0xa3);
  if (extWrapper) {
    const list = expectTlv(der, extWrapper.start, extWrapper.end, TAG.SEQUENCE);
    for (const ext of children(der, list.start, list.end)) readExtension(der, ext, info);
  }
  return info;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function readExtension(der: Buffer, ext: Tlv, info: Mutable<CertificateInfo>): void {
  const parts = children(der, ext.start, ext.end);
  if (parts.length < 2 || parts[0].tag !== TAG.OID) throw new DerError('malformed extension');
  const oid = der.toString('hex', parts[0].start, parts[0].end);
  const critical = parts.length === 3 && parts[1].tag === TAG.BOOLEAN && der[parts[1].start] !== 0;
  const value = parts[parts.length - 1];
  if (value.tag !== TAG.OCTET_STRING) throw new DerError('malformed extension value');
  if (oid === OID_BASIC_CONSTRAINTS) readBasicConstraints(der, value, info);
  else if (oid === OID_KEY_USAGE) info.keyUsage = readKeyUsage(der, value);
  else if (oid === OID_SUBJECT_ALT_NAME) info.uris = readUris(der, value);
  else if (critical && !HANDLED.has(oid))
    info.unhandledCritical = [...info.unhandledCritical, oidToString(der, parts[0])];
}

function readBasicConstraints(der: Buffer, value: Tlv, info: Mutable<CertificateInfo>): void {
  const seq = expectTlv(der, value.start, value.end, TAG.SEQUENCE);
  for (const item of children(der, seq.start, seq.end)) {
    if (item.tag === TAG.BOOLEAN) info.isCa = der[item.start] !== 0;
    else if (item.tag === TAG.INTEGER) info.pathLen = readSmallUint(der, item);
  }
}

function readKeyUsage(der: Buffer, value: Tlv): number {
  const bits = expectTlv(der, value.start, value.end, TAG.BIT_STRING);
  let flags = 0;
  // Bit n of the BIT STRING (MSB of the first content byte is bit 0) maps to flag 1 << n.
  for (let n = 0; n < 9; n++) {
    const byte = bits.start + 1 + (n >> 3);
    if (byte < bits.end && der[byte] & (0x80 >> (n & 7))) flags |= 1 << n;
  }
  return flags;
}

function readUris(der: Buffer, value: Tlv): string[] {
  const seq = expectTlv(der, value.start, value.end, TAG.SEQUENCE);
  return children(der, seq.start, seq.end)
    .filter((name) => name.tag === TAG_URI)
    .map((name) => der.toString('latin1', name.start, name.end));
}

function oidToString(der: Buffer, tlv: Tlv): string {
  const first = der[tlv.start];
  const arcs = [Math.floor(first / 40), first % 40];
  let v = 0;
  for (let i = tlv.start + 1; i < tlv.end; i++) {
    v = v * 128 + (der[i] & 0x7f);
    if (!(der[i] & 0x80)) {
      arcs.push(v);
      v = 0;
    }
  }
  return arcs.join('.');
}
