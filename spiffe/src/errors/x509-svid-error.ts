import { StatusCode } from '@lanyard/base';
import { SpiffeError } from './spiffe-error';

const STATUS = {
  /** Certificates are not DER/PEM X.509 or none were found. */
  ERR_X509_CERT_MALFORMED: StatusCode.INVALID_ARGUMENT,
  /** The private key is not a PKCS#8 RSA, EC or Ed25519 private key. */
  ERR_PRIVATE_KEY_MALFORMED: StatusCode.INVALID_ARGUMENT,
  /** The chain or key breaks the X.509-SVID rules (URI SAN, key usage, CA flags, key mismatch). */
  ERR_X509_SVID_INVALID: StatusCode.INVALID_ARGUMENT,
  /** The chain does not lead to a root of the leaf's trust domain (or a signature/constraint fails). */
  ERR_X509_SVID_UNTRUSTED: StatusCode.UNAUTHENTICATED,
  /** A certificate of the chain is past its notAfter. */
  ERR_X509_SVID_EXPIRED: StatusCode.UNAUTHENTICATED,
  /** A certificate of the chain is before its notBefore. */
  ERR_X509_SVID_NOT_YET_VALID: StatusCode.UNAUTHENTICATED,
} as const;

/** The code of an {@link X509SvidError}. */
export type X509SvidErrorCode = keyof typeof STATUS;

/**
 * An X.509-SVID (or a certificate or key meant for one) is malformed (INVALID_ARGUMENT) or does not verify
 * (UNAUTHENTICATED: `ERR_X509_SVID_UNTRUSTED`, `_EXPIRED`, `_NOT_YET_VALID`).
 */
export class X509SvidError extends SpiffeError<X509SvidErrorCode> {
  constructor(code: X509SvidErrorCode, message: string, options?: { cause?: unknown }) {
    super(STATUS, code, message, options);
  }
}
