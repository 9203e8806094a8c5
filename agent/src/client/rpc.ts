import * as grpc from '@grpc/grpc-js';
import {
  LanyardError,
  PermissionDeniedError,
  NotFoundError,
  UnavailableError,
  InvalidArgumentError,
  UnauthenticatedError,
  FailedPreconditionError,
  InternalError,
} from '@lanyard/base';
import { redactJoinTokens } from '../attestor/agent-svid';

/** Default deadline of unary calls to the server. */
export const RPC_TIMEOUT_MS = 30_000;

/** Calls a grpc-js unary method as a promise, with a deadline. */
export function unary<T>(
  call: (options: grpc.CallOptions, callback: (err: grpc.ServiceError | null, res?: T) => void) => unknown,
  timeoutMs = RPC_TIMEOUT_MS,
): Promise<T> {
  return new Promise((resolve, reject) => {
    call({ deadline: new Date(Date.now() + timeoutMs) }, (err, res) => {
      if (err) reject(err);
      else resolve(res as T);
    });
  });
}

/** The gRPC status code of an error (UNKNOWN when it has none). */
export function statusOf(err: unknown): grpc.status {
  if (err instanceof LanyardError) return err.grpcStatus;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : grpc.status.UNKNOWN;
}

/**
 * A server error as text: `rpc error: code = <Code> desc = <details>`, like SPIRE logs it. Join token agent
 * IDs in the text are masked (the token is a secret).
 */
export function describeRpcError(err: unknown): string {
  const e = err as { code?: unknown; details?: string; message?: string };
  if (typeof e?.code === 'number' && typeof e.details === 'string') {
    return redactJoinTokens(`rpc error: code = ${codeName(e.code)} desc = ${e.details}`);
  }
  return redactJoinTokens(e?.message ?? String(err));
}

function codeName(code: number): string {
  const name = grpc.status[code] ?? 'Unknown';
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('')
    .replace(/^Ok$/, 'OK');
}

/** Converts a gRPC error from the server to the matching {@link LanyardError}, keeping the message. */
export function toLanyardError(err: unknown, prefix: string): LanyardError {
  if (err instanceof LanyardError) return err;
  const message = `${prefix}: ${describeRpcError(err)}`;
  switch (statusOf(err)) {
    case grpc.status.PERMISSION_DENIED:
      return new PermissionDeniedError(message, 'ERR_SERVER_DENIED');
    case grpc.status.NOT_FOUND:
      return new NotFoundError(message, 'ERR_SERVER_NOT_FOUND');
    case grpc.status.INVALID_ARGUMENT:
      return new InvalidArgumentError(message, 'ERR_SERVER_INVALID');
    case grpc.status.UNAUTHENTICATED:
      return new UnauthenticatedError(message, 'ERR_SERVER_UNAUTHENTICATED');
    case grpc.status.FAILED_PRECONDITION:
      return new FailedPreconditionError(message, 'ERR_SERVER_PRECONDITION');
    case grpc.status.INTERNAL:
      return new InternalError(message, 'ERR_SERVER_INTERNAL');
    default:
      return new UnavailableError(message, 'ERR_SERVER_UNAVAILABLE', { cause: err });
  }
}
