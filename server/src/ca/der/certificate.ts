/** Builds and signs X.509 v3 certificates from a small template (direct DER, no library). */
import { randomBytes } from 'node:crypto';
import type { CertSigner } from './signer';
import { der } from '@lanyard/base';

/** Everything that varies between certificates. */
export interface CertificateTemplate {
  /** Serial number magnitude (big-endian, positive). */
  serial: Buffer;
  /** Issuer Name DER (copied from the issuing CA's subject). */
  issuerDer: Buffer;
  /** Subject Name DER. */
  subjectDer: Buffer;
  /** Start of validity. */
  notBefore: Date;
  /** End of validity. */
  notAfter: Date;
  /** SubjectPublicKeyInfo DER of the certified key. */
  spkiDer: Buffer;
  /** Encoded Extension values, in output order. */
  extensions: readonly Buffer[];
}

/** The `der` writer functions used per certificate, bound once (each `der.x` is a getter through the re-exports). */
const { Tag, constructed, explicit, header, integer, seq, time } = der;

const VERSION_V3 = explicit(0, integer(2));
const NO_UNUSED_BITS = Buffer.from([0]);

/**
 * Encodes the TBSCertificate for `template` signed with `signer`'s algorithm, in one allocation: the extensions'
 * SEQUENCE and its `[3]` wrapper are written as headers in front of them.
 */
export function buildTbs(template: CertificateTemplate, signer: CertSigner): Buffer {
  let extensionsLength = 0;
  for (const extension of template.extensions) extensionsLength += extension.length;
  const extensionsHeader = header(Tag.SEQUENCE, extensionsLength);
  return constructed(Tag.SEQUENCE, [
    VERSION_V3,
    integer(template.serial),
    signer.algorithmDer,
    template.issuerDer,
    validity(template.notBefore, template.notAfter),
    template.subjectDer,
    template.spkiDer,
    header(0xa3, extensionsHeader.length + extensionsLength),
    extensionsHeader,
    ...template.extensions,
  ]);
}

/** The last Validity encoded: certificates issued within the same second share it. */
let lastValidity: { notBefore: number; notAfter: number; der: Buffer } = {
  notBefore: NaN,
  notAfter: NaN,
  der: Buffer.alloc(0),
};

/** Validity SEQUENCE; times are encoded in whole seconds, so it is reused while both seconds stay the same. */
function validity(notBefore: Date, notAfter: Date): Buffer {
  const before = Math.floor(notBefore.getTime() / 1000);
  const after = Math.floor(notAfter.getTime() / 1000);
  if (before !== lastValidity.notBefore || after !== lastValidity.notAfter)
    lastValidity = { notBefore: before, notAfter: after, der: seq(time(notBefore), time(notAfter)) };
  return lastValidity.der;
}

/** Builds, signs and returns the DER Certificate. */
export function signCertificate(template: CertificateTemplate, signer: CertSigner): Buffer {
  const tbs = buildTbs(template, signer);
  const signature = signer.sign(tbs);
  return constructed(Tag.SEQUENCE, [
    tbs,
    signer.algorithmDer,
    header(Tag.BIT_STRING, 1 + signature.length),
    NO_UNUSED_BITS,
    signature,
  ]);
}

const SERIAL_BYTES = 16;
const POOL_SERIALS = 256;
let serialPool = Buffer.alloc(0);
let serialOffset = 0;

/** A random positive 128-bit serial, never zero (SPIRE: uniform in [1, 2^128]); random bytes drawn in batches. */
export function randomSerial(): Buffer {
  if (serialOffset >= serialPool.length) {
    serialPool = randomBytes(SERIAL_BYTES * POOL_SERIALS);
    serialOffset = 0;
  }
  const bytes = Buffer.allocUnsafe(SERIAL_BYTES);
  serialPool.copy(bytes, 0, serialOffset, serialOffset + SERIAL_BYTES);
  serialOffset += SERIAL_BYTES;
  let any = 0;
  for (let i = 0; i < SERIAL_BYTES; i++) any |= bytes[i];
  if (any === 0) bytes[SERIAL_BYTES - 1] = 1;
  return bytes;
}

/** Seven decimal digits per division: a remainder times 65536 plus a limb stays below 2^53. */
const DECIMAL_CHUNK = 10_000_000;

/**
 * Decimal string of a serial magnitude (the CA subject's serialNumber attribute, every SVID's serial number):
 * long division of base-65536 limbs by 10^7, no BigInt (this runs once per certificate issued).
 */
export function serialToDecimal(serial: Buffer): string {
  const count = (serial.length + 1) >> 1;
  const limbs = new Array<number>(count);
  for (let i = serial.length, j = count - 1; j >= 0; i -= 2, j--)
    limbs[j] = i === 1 ? serial[0] : serial[i - 2] * 256 + serial[i - 1];
  let top = 0;
  while (top < count && limbs[top] === 0) top++;
  let digits = '';
  while (top < count) {
    let rest = 0;
    for (let i = top; i < count; i++) {
      const value = rest * 65536 + limbs[i];
      limbs[i] = Math.floor(value / DECIMAL_CHUNK);
      rest = value - limbs[i] * DECIMAL_CHUNK;
    }
    while (top < count && limbs[top] === 0) top++;
    const chunk = String(rest);
    digits = (top < count ? chunk.padStart(7, '0') : chunk) + digits;
  }
  return digits || '0';
}
