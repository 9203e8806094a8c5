import { StatusCode } from '@lanyard/base';
import { SpiffeError } from './spiffe-error';

const STATUS = {
  /** An option or request parameter is missing or malformed (server URL, audience, SPIFFE ID). */
  ERR_MANAGED_PARAMS: StatusCode.INVALID_ARGUMENT,
  /** The runtime could not produce a proof (no credentials, metadata server unreachable or refusing). */
  ERR_MANAGED_PROOF: StatusCode.UNAVAILABLE,
  /** The server could not be reached or did not answer in time. */
  ERR_MANAGED_UNREACHABLE: StatusCode.UNAVAILABLE,
  /** The server's answer cannot be used (not JSON, missing fields, invalid SVID or bundle). */
  ERR_MANAGED_RESPONSE: StatusCode.UNKNOWN,
} as const;

/** The code of a {@link ManagedWorkloadError}. */
export type ManagedWorkloadErrorCode = keyof typeof STATUS;

/**
 * A client-side failure of the managed-workloads client or {@link ManagedIdentitySource}. Refusals the server
 * answers (403 no entry, 401 stale or replayed proof, 429 …) keep the server's status instead
 * (`PermissionDeniedError`, `UnauthenticatedError`, `ResourceExhaustedError`, …), the message reading
 * `managed workloads POST /v1/managed/jwt-svid: rpc error: code = PermissionDenied desc = <server's reason>`.
 */
export class ManagedWorkloadError extends SpiffeError<ManagedWorkloadErrorCode> {
  constructor(code: ManagedWorkloadErrorCode, message: string, options?: { cause?: unknown }) {
    super(STATUS, code, message, options);
  }
}
