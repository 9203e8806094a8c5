import { X509Certificate } from 'node:crypto';
import { der } from '@lanyard/base';

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

const HANDLED: ReadonlySet<string> = new Set([
  der.Oid.basicConstraints,
  der.Oid.keyUsage,
  der.Oid.subjectAltName,
  der.Oid.extKeyUsage,
  der.Oid.subjectKeyIdentifier,
  der.Oid.authorityKeyIdentifier,
]);
const TAG_URI = 0x86;

const cache = new WeakMap<X509Certificate, CertificateInfo>();

/**
 * Reads (and caches per certificate object) the extensions and validity of `cert`.
 * @throws InvalidArgumentError (`ERR_MALFORMED_DER`) naming the malformed part.
 */
export function certificateInfo(cert: X509Certificate): CertificateInfo {
  let info = cache.get(cert);
  if (!info) {
    info = readCertificateInfo(cert.raw);
    cache.set(cert, info);
  }
  return info;
}

function readCertificateInfo(certDer: Buffer): CertificateInfo {
  const cert = der.readSingle(certDer, der.Tag.SEQUENCE, 'certificate');
  const tbs = der.expectTag(der.children(cert, 'certificate')[0], der.Tag.SEQUENCE, 'tbs certificate');
  const fields = der.children(tbs, 'tbs certificate');
  const first = fields[0]?.tag === 0xa0 ? 1 : 0; // optional [0] version
  const validity = der.expectTag(fields[first + 3], der.Tag.SEQUENCE, 'validity');
  const [notBefore, notAfter] = der.children(validity, 'validity');
  const info: Mutable<CertificateInfo> = {
    isCa: false,
    uris: [],
    notBefore: der.readTime(notBefore, 'validity not before'),
    notAfter: der.readTime(notAfter, 'validity not after'),
    unhandledCritical: [],
  };
  const wrapper = fields.find((f) => f.tag === 0xa3);
  if (wrapper) {
    const list = der.expectTag(der.onlyChild(wrapper, 'extensions'), der.Tag.SEQUENCE, 'extensions');
    for (const ext of der.children(list, 'extensions')) readExtension(ext, info);
  }
  return info;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function readExtension(ext: der.DerNode, info: Mutable<CertificateInfo>): void {
  const parts = der.children(der.expectTag(ext, der.Tag.SEQUENCE, 'extension'), 'extension');
  const oid = der.readOid(parts[0], 'extension id');
  const critical = parts.length === 3 && der.readBoolean(parts[1], `extension ${oid} critical`);
  const value = der.readOctetString(parts[parts.length - 1], `extension ${oid} value`);
  if (oid === der.Oid.basicConstraints) readBasicConstraints(value, info);
  else if (oid === der.Oid.keyUsage) info.keyUsage = readKeyUsage(value);
  else if (oid === der.Oid.subjectAltName) info.uris = readUris(value);
  else if (critical && !HANDLED.has(oid)) info.unhandledCritical = [...info.unhandledCritical, oid];
}

function readBasicConstraints(value: Buffer, info: Mutable<CertificateInfo>): void {
  const seq = der.readSingle(value, der.Tag.SEQUENCE, 'basic constraints');
  for (const item of der.children(seq, 'basic constraints')) {
    if (item.tag === der.Tag.BOOLEAN) info.isCa = der.readBoolean(item, 'basic constraints ca');
    else if (item.tag === der.Tag.INTEGER)
      info.pathLen = der.readSmallUint(item, 'basic constraints path length');
  }
}

function readKeyUsage(value: Buffer): number {
  const { bytes } = der.readBitString(der.readSingle(value, der.Tag.BIT_STRING, 'key usage'), 'key usage');
  let flags = 0;
  // Bit n of the BIT STRING (MSB of the first content byte is bit 0) maps to flag 1 << n.
  for (let n = 0; n < 9; n++) {
    if (n >> 3 < bytes.length && bytes[n >> 3] & (0x80 >> (n & 7))) flags |= 1 << n;
  }
  return flags;
}

function readUris(value: Buffer): string[] {
  const names = der.readSingle(value, der.Tag.SEQUENCE, 'subject alternative name');
  return der
    .children(names, 'subject alternative name')
    .filter((name) => name.tag === TAG_URI)
    .map((name) => name.content.toString('latin1'));
}
