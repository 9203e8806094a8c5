import { Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { LanyardError, UnavailableError, errorForStatus } from '../errors';
import { formatRpcError, isServiceError } from './code-name';

/** Message sent for anything that is not a {@link LanyardError}: internals never leak to callers. */
export const INTERNAL_MESSAGE = 'internal error';

/** The status object a grpc-js handler passes to its callback or emits as a stream error. */
export interface ServiceErrorStatus {
  code: number;
  details: string;
  metadata: Metadata;
}

/**
 * Turns any thrown value into the status a grpc-js handler reports: a {@link LanyardError} keeps its code and
 * message, anything else becomes INTERNAL "internal error" (log the original where it is caught).
 */
export function toServiceError(err: unknown): ServiceErrorStatus {
  if (err instanceof LanyardError) {
    return { code: err.grpcStatus, details: err.message, metadata: new Metadata() };
  }
  return { code: status.INTERNAL, details: INTERNAL_MESSAGE, metadata: new Metadata() };
}

/**
 * The gRPC code an error carries: a {@link LanyardError}'s status, a received `ServiceError`'s code, otherwise
 * UNKNOWN.
 */
export function statusOf(err: unknown): number {
  if (err instanceof LanyardError) return err.grpcStatus;
  return isServiceError(err) ? err.code : status.UNKNOWN;
}

/**
 * Converts a failed call into the {@link LanyardError} subclass with the same status, the message reading
 * `<prefix>: rpc error: code = <Code> desc = <details>` and the original kept as `cause`. A LanyardError passes
 * through unchanged; a code outside gRPC's range (or OK) becomes UNKNOWN, as gRPC itself treats it; a value
 * without any status (the call never reached a server) becomes UNAVAILABLE.
 *
 * @param describe turns the error into text (default {@link formatRpcError}); callers that must mask secrets
 *   in server messages pass their own.
 */
export function fromServiceError(
  err: ServiceError | unknown,
  prefix: string,
  describe: (err: unknown) => string = formatRpcError,
): LanyardError {
  if (err instanceof LanyardError) return err;
  const message = `${prefix}: ${describe(err)}`;
  if (!isServiceError(err)) return new UnavailableError(message, undefined, { cause: err });
  return errorForStatus(err.code, message, { cause: err });
}
