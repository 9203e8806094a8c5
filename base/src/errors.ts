import { StatusCode } from './status';

/**
 * Base class of every error Lanyard raises on purpose. It carries the gRPC status the error maps to,
 * so one boundary (an RPC handler wrapper, a CLI) can turn any of them into the right wire status.
 * Messages are lower-case and name the field and the problem, e.g. `selector "k8s" has no value`.
 */
export class LanyardError extends Error {
  /** gRPC status code this error maps to. */
  readonly grpcStatus: number;
  /** Short machine-readable reason, e.g. `ERR_SPIFFE_ID_EMPTY`. */
  readonly code: string;

  constructor(grpcStatus: number, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.grpcStatus = grpcStatus;
    this.code = code;
  }
}

/** Input is malformed: a field is missing, out of range or of the wrong shape. */
export class InvalidArgumentError extends LanyardError {
  constructor(message: string, code = 'ERR_INVALID_ARGUMENT', options?: { cause?: unknown }) {
    super(StatusCode.INVALID_ARGUMENT, code, message, options);
  }
}

/** The named object does not exist. */
export class NotFoundError extends LanyardError {
  constructor(message: string, code = 'ERR_NOT_FOUND', options?: { cause?: unknown }) {
    super(StatusCode.NOT_FOUND, code, message, options);
  }
}

/** The object to create already exists. */
export class AlreadyExistsError extends LanyardError {
  constructor(message: string, code = 'ERR_ALREADY_EXISTS', options?: { cause?: unknown }) {
    super(StatusCode.ALREADY_EXISTS, code, message, options);
  }
}

/** The caller is not allowed to do this. */
export class PermissionDeniedError extends LanyardError {
  constructor(message: string, code = 'ERR_PERMISSION_DENIED', options?: { cause?: unknown }) {
    super(StatusCode.PERMISSION_DENIED, code, message, options);
  }
}

/** The caller could not be authenticated. */
export class UnauthenticatedError extends LanyardError {
  constructor(message: string, code = 'ERR_UNAUTHENTICATED', options?: { cause?: unknown }) {
    super(StatusCode.UNAUTHENTICATED, code, message, options);
  }
}

/** The system is not in a state that allows this operation (e.g. a banned agent, an unprepared authority). */
export class FailedPreconditionError extends LanyardError {
  constructor(message: string, code = 'ERR_FAILED_PRECONDITION', options?: { cause?: unknown }) {
    super(StatusCode.FAILED_PRECONDITION, code, message, options);
  }
}

/** A dependency is temporarily unreachable; the caller may retry. */
export class UnavailableError extends LanyardError {
  constructor(message: string, code = 'ERR_UNAVAILABLE', options?: { cause?: unknown }) {
    super(StatusCode.UNAVAILABLE, code, message, options);
  }
}

/** An invariant broke inside Lanyard. */
export class InternalError extends LanyardError {
  constructor(message: string, code = 'ERR_INTERNAL', options?: { cause?: unknown }) {
    super(StatusCode.INTERNAL, code, message, options);
  }
}

/** The operation was cancelled, typically by the caller. */
export class CancelledError extends LanyardError {
  constructor(message: string, code = 'ERR_CANCELLED', options?: { cause?: unknown }) {
    super(StatusCode.CANCELLED, code, message, options);
  }
}

/** The failure has no better status (also what a status code outside gRPC's range becomes). */
export class UnknownError extends LanyardError {
  constructor(message: string, code = 'ERR_UNKNOWN', options?: { cause?: unknown }) {
    super(StatusCode.UNKNOWN, code, message, options);
  }
}

/** The deadline passed before the operation completed. */
export class DeadlineExceededError extends LanyardError {
  constructor(message: string, code = 'ERR_DEADLINE_EXCEEDED', options?: { cause?: unknown }) {
    super(StatusCode.DEADLINE_EXCEEDED, code, message, options);
  }
}

/** A quota or limit was reached. */
export class ResourceExhaustedError extends LanyardError {
  constructor(message: string, code = 'ERR_RESOURCE_EXHAUSTED', options?: { cause?: unknown }) {
    super(StatusCode.RESOURCE_EXHAUSTED, code, message, options);
  }
}

/** The operation was aborted by a concurrency conflict; the caller may retry at a higher level. */
export class AbortedError extends LanyardError {
  constructor(message: string, code = 'ERR_ABORTED', options?: { cause?: unknown }) {
    super(StatusCode.ABORTED, code, message, options);
  }
}

/** A value is past the valid range. */
export class OutOfRangeError extends LanyardError {
  constructor(message: string, code = 'ERR_OUT_OF_RANGE', options?: { cause?: unknown }) {
    super(StatusCode.OUT_OF_RANGE, code, message, options);
  }
}

/** The operation is not implemented (or disabled). */
export class UnimplementedError extends LanyardError {
  constructor(message: string, code = 'ERR_UNIMPLEMENTED', options?: { cause?: unknown }) {
    super(StatusCode.UNIMPLEMENTED, code, message, options);
  }
}

/** Data was lost or corrupted beyond recovery. */
export class DataLossError extends LanyardError {
  constructor(message: string, code = 'ERR_DATA_LOSS', options?: { cause?: unknown }) {
    super(StatusCode.DATA_LOSS, code, message, options);
  }
}

/** Returns the gRPC status for any thrown value: a {@link LanyardError}'s own, otherwise INTERNAL. */
export function grpcStatusOf(err: unknown): number {
  return err instanceof LanyardError ? err.grpcStatus : StatusCode.INTERNAL;
}

type ErrorClass = new (message: string, code?: string, options?: { cause?: unknown }) => LanyardError;

/** The one mapping from a gRPC status code to the Lanyard error class carrying it. */
const ERROR_CLASS_BY_STATUS: ReadonlyMap<number, ErrorClass> = new Map<number, ErrorClass>([
  [StatusCode.CANCELLED, CancelledError],
  [StatusCode.UNKNOWN, UnknownError],
  [StatusCode.INVALID_ARGUMENT, InvalidArgumentError],
  [StatusCode.DEADLINE_EXCEEDED, DeadlineExceededError],
  [StatusCode.NOT_FOUND, NotFoundError],
  [StatusCode.ALREADY_EXISTS, AlreadyExistsError],
  [StatusCode.PERMISSION_DENIED, PermissionDeniedError],
  [StatusCode.RESOURCE_EXHAUSTED, ResourceExhaustedError],
  [StatusCode.FAILED_PRECONDITION, FailedPreconditionError],
  [StatusCode.ABORTED, AbortedError],
  [StatusCode.OUT_OF_RANGE, OutOfRangeError],
  [StatusCode.UNIMPLEMENTED, UnimplementedError],
  [StatusCode.INTERNAL, InternalError],
  [StatusCode.UNAVAILABLE, UnavailableError],
  [StatusCode.DATA_LOSS, DataLossError],
  [StatusCode.UNAUTHENTICATED, UnauthenticatedError],
]);

/**
 * The {@link LanyardError} subclass of a received status (UNKNOWN for OK or a code outside gRPC's range), with
 * its default code unless `options.code` names one; for statuses that arrive over gRPC, in an HTTP error document
 * or from a worker thread.
 */
export function errorForStatus(
  status: number,
  message: string,
  options?: { cause?: unknown; code?: string },
): LanyardError {
  const ErrorClass = ERROR_CLASS_BY_STATUS.get(status) ?? UnknownError;
  return new ErrorClass(message, options?.code, options);
}
