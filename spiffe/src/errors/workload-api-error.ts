import { StatusCode } from '@lanyard/base';
import { SpiffeError } from './spiffe-error';

const STATUS = {
  /** The socket address is missing or not `unix:` / `tcp://<ip>:<port>`. */
  ERR_WORKLOAD_ADDRESS: StatusCode.INVALID_ARGUMENT,
  /** A request parameter is missing (audience, token). */
  ERR_WORKLOAD_PARAMS: StatusCode.INVALID_ARGUMENT,
  /** The agent's response cannot be used (no SVIDs, an invalid SVID or bundle). */
  ERR_WORKLOAD_RESPONSE: StatusCode.INVALID_ARGUMENT,
  /** The agent ended a watch stream with OK; the watch reopens it. */
  ERR_WORKLOAD_STREAM_CLOSED: StatusCode.UNAVAILABLE,
  /** The client was closed before or during the call. */
  ERR_WORKLOAD_CLIENT_CLOSED: StatusCode.FAILED_PRECONDITION,
  /** The caller's `AbortSignal` fired; `cause` is the signal's reason. */
  ERR_WORKLOAD_ABORTED: StatusCode.CANCELLED,
  /** A source was read after `close()`, or closed before its first update. */
  ERR_SOURCE_CLOSED: StatusCode.FAILED_PRECONDITION,
  /** A source was read before its first update. */
  ERR_SOURCE_NOT_READY: StatusCode.UNAVAILABLE,
  /** A source's first update did not arrive within `timeoutMs`. */
  ERR_SOURCE_TIMEOUT: StatusCode.UNAVAILABLE,
} as const;

/** The code of a {@link WorkloadApiError}. */
export type WorkloadApiErrorCode = keyof typeof STATUS;

/**
 * A client-side failure of the Workload API client or a source. Failures the agent answers with a gRPC status
 * keep that status instead (`PermissionDeniedError`, `UnavailableError`, … with code `ERR_WORKLOAD_API`).
 */
export class WorkloadApiError extends SpiffeError<WorkloadApiErrorCode> {
  constructor(code: WorkloadApiErrorCode, message: string, options?: { cause?: unknown }) {
    super(STATUS, code, message, options);
  }
}
