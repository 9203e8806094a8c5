import { StatusCode } from '@lanyard/base';
import { SpiffeError } from './spiffe-error';

const STATUS = {
  /** Not a compact JWS of JSON objects, or a required claim/header is missing or of the wrong type. */
  ERR_JWT_SVID_MALFORMED: StatusCode.INVALID_ARGUMENT,
  /** Header `alg` is not one of RS/ES/PS 256/384/512. */
  ERR_JWT_SVID_ALG: StatusCode.INVALID_ARGUMENT,
  /** The caller gave no expected audience. */
  ERR_JWT_SVID_AUDIENCE_MISSING: StatusCode.INVALID_ARGUMENT,
  /** Signing input is invalid (subject, audience, expiry, key id). */
  ERR_JWT_SVID_SIGN: StatusCode.INVALID_ARGUMENT,
  /** The signing key's type has no JWT-SVID algorithm. */
  ERR_JWT_SVID_KEY: StatusCode.INVALID_ARGUMENT,
  /** No bundle/key for the token, or the signature does not verify. */
  ERR_JWT_SVID_UNTRUSTED: StatusCode.UNAUTHENTICATED,
  /** `aud` holds none of the expected audiences. */
  ERR_JWT_SVID_AUDIENCE: StatusCode.UNAUTHENTICATED,
  /** `exp` is past (60 s leeway). */
  ERR_JWT_SVID_EXPIRED: StatusCode.UNAUTHENTICATED,
  /** `nbf` is ahead (60 s leeway). */
  ERR_JWT_SVID_NOT_YET_VALID: StatusCode.UNAUTHENTICATED,
  /** `iat` is ahead (60 s leeway). */
  ERR_JWT_SVID_ISSUED_IN_FUTURE: StatusCode.UNAUTHENTICATED,
} as const;

/** The code of a {@link JwtSvidError}. */
export type JwtSvidErrorCode = keyof typeof STATUS;

/**
 * A JWT-SVID is malformed or cannot be signed (INVALID_ARGUMENT), or does not validate (UNAUTHENTICATED:
 * `ERR_JWT_SVID_UNTRUSTED`, `_AUDIENCE`, `_EXPIRED`, `_NOT_YET_VALID`, `_ISSUED_IN_FUTURE`).
 */
export class JwtSvidError extends SpiffeError<JwtSvidErrorCode> {
  constructor(code: JwtSvidErrorCode, message: string, options?: { cause?: unknown }) {
    super(STATUS, code, message, options);
  }
}
