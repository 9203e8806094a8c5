import { StatusCode } from '@lanyard/base';
import { SpiffeError } from './spiffe-error';

const STATUS = {
  /** The peer presented no (verified) certificate. */
  ERR_PEER_NO_CERTIFICATE: StatusCode.UNAUTHENTICATED,
  /** The peer's SPIFFE ID is not what the authorizer allows. */
  ERR_PEER_UNAUTHORIZED: StatusCode.PERMISSION_DENIED,
} as const;

/** The code of an {@link AuthorizationError}. */
export type AuthorizationErrorCode = keyof typeof STATUS;

/** A TLS peer is refused: no certificate (UNAUTHENTICATED) or an ID the authorizer denies (PERMISSION_DENIED). */
export class AuthorizationError extends SpiffeError<AuthorizationErrorCode> {
  constructor(code: AuthorizationErrorCode, message: string, options?: { cause?: unknown }) {
    super(STATUS, code, message, options);
  }
}
