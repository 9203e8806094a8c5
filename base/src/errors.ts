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
  constructor(message: string, code = 'ERR_NOT_FOUND') {
    super(StatusCode.NOT_FOUND, code, message);
  }
}

/** The object to create already exists. */
export class AlreadyExistsError extends LanyardError {
  constructor(message: string, code = 'ERR_ALREADY_EXISTS') {
    super(StatusCode.ALREADY_EXISTS, code, message);
  }
}

/** The caller is not allowed to do this. */
export class PermissionDeniedError extends LanyardError {
  constructor(message: string, code = 'ERR_PERMISSION_DENIED') {
    super(StatusCode.PERMISSION_DENIED, code, message);
  }
}

/** The caller could not be authenticated. */
export class UnauthenticatedError extends LanyardError {
  constructor(message: string, code = 'ERR_UNAUTHENTICATED') {
    super(StatusCode.UNAUTHENTICATED, code, message);
  }
}

/** The system is not in a state that allows this operation (e.g. a banned agent, an unprepared authority). */
export class FailedPreconditionError extends LanyardError {
  constructor(message: string, code = 'ERR_FAILED_PRECONDITION') {
    super(StatusCode.FAILED_PRECONDITION, code, message);
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

/** Returns the gRPC status for any thrown value: a {@link LanyardError}'s own, otherwise INTERNAL. */
export function grpcStatusOf(err: unknown): number {
  return err instanceof LanyardError ? err.grpcStatus : StatusCode.INTERNAL;
}
