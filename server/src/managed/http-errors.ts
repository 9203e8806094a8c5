/** The protocol's error answers: gRPC status → HTTP status, and the `{"error": {code, message}}` document. */
import { LanyardError, StatusCode } from '@lanyard/base';
import { ManagedRateLimitError } from './rate-limiter';

/** An error answer. */
export interface ErrorAnswer {
  readonly httpStatus: number;
  readonly body: { error: { code: string; message: string } };
  readonly headers: Record<string, string>;
}

const HTTP_OF: Partial<Record<number, number>> = {
  [StatusCode.INVALID_ARGUMENT]: 400,
  [StatusCode.FAILED_PRECONDITION]: 400,
  [StatusCode.UNAUTHENTICATED]: 401,
  [StatusCode.PERMISSION_DENIED]: 403,
  [StatusCode.NOT_FOUND]: 404,
  [StatusCode.RESOURCE_EXHAUSTED]: 429,
  [StatusCode.UNIMPLEMENTED]: 501,
  [StatusCode.UNAVAILABLE]: 503,
};

const NAME_OF = new Map<number, string>(Object.entries(StatusCode).map(([name, code]) => [code, name]));

/** The answer for an error status and message. */
export function errorAnswer(grpcStatus: number, message: string, httpStatus?: number): ErrorAnswer {
  return {
    httpStatus: httpStatus ?? HTTP_OF[grpcStatus] ?? 500,
    body: { error: { code: NAME_OF.get(grpcStatus) ?? 'INTERNAL', message } },
    headers: {},
  };
}

/** The answer for a thrown error; anything but a {@link LanyardError} is an internal error with no detail. */
export function answerFor(err: unknown): ErrorAnswer {
  if (!(err instanceof LanyardError)) return errorAnswer(StatusCode.INTERNAL, 'internal error');
  const answer = errorAnswer(err.grpcStatus, err.message);
  if (err instanceof ManagedRateLimitError) answer.headers['retry-after'] = String(err.retryAfterSeconds);
  return answer;
}
