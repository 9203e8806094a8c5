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

const VERSION_V3 = der.explicit(0, der.integer(2));

/** Encodes the TBSCertificate for `template` signed with `signer`'s algorithm. */
export function buildTbs(template: CertificateTemplate, signer: CertSigner): Buffer {
  return der.seq(
    VERSION_V3,
    der.integer(template.serial),
    signer.algorithmDer,
    template.issuerDer,
    der.seq(der.time(template.notBefore), der.time(template.notAfter)),
    template.subjectDer,
    template.spkiDer,
    der.explicit(3, der.seq(...template.extensions)),
  );
}

/** Builds, signs and returns the DER Certificate. */
export function signCertificate(template: CertificateTemplate, signer: CertSigner): Buffer {
  const tbs = buildTbs(template, signer);
  return der.seq(tbs, signer.algorithmDer, der.bitString(signer.sign(tbs)));
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
  const bytes = Buffer.from(serialPool.subarray(serialOffset, serialOffset + SERIAL_BYTES));
  serialOffset += SERIAL_BYTES;
  if (bytes.every((b) => b === 0)) bytes[15] = 1;
  return bytes;
}

/** Decimal string of a serial magnitude (for the CA subject's serialNumber attribute). */
export function serialToDecimal(serial: Buffer): string {
  return BigInt(`0x${serial.toString('hex') || '0'}`).toString(10);
}
