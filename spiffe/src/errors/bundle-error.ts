import { StatusCode } from '@lanyard/base';
import { SpiffeError } from './spiffe-error';

const STATUS = {
  /** A JWK Set is not JSON, has no `keys` array, or an entry is not an object / lacks a usable `kid`. */
  ERR_JWKS_MALFORMED: StatusCode.INVALID_ARGUMENT,
  /** X.509 authorities are not DER/PEM certificates. */
  ERR_X509_BUNDLE_MALFORMED: StatusCode.INVALID_ARGUMENT,
  /** A JWK's members do not describe a supported public key. */
  ERR_JWK_MALFORMED: StatusCode.INVALID_ARGUMENT,
  /** A SPIFFE bundle document breaks the format (x5c, kid, use, sequence number, refresh hint). */
  ERR_SPIFFE_BUNDLE_MALFORMED: StatusCode.INVALID_ARGUMENT,
  /** A bundle was built from inconsistent parts (no authorities, mixed trust domains, a secret key). */
  ERR_BUNDLE_INVALID: StatusCode.INVALID_ARGUMENT,
  /** No bundle for the trust domain asked for. */
  ERR_BUNDLE_NOT_FOUND: StatusCode.NOT_FOUND,
} as const;

/** The code of a {@link BundleError}. */
export type BundleErrorCode = keyof typeof STATUS;

/** A trust bundle is malformed (INVALID_ARGUMENT) or missing for a trust domain (NOT_FOUND). */
export class BundleError extends SpiffeError<BundleErrorCode> {
  constructor(code: BundleErrorCode, message: string, options?: { cause?: unknown }) {
    super(STATUS, code, message, options);
  }
}
