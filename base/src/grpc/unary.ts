import type { CallOptions, ServiceError } from '@grpc/grpc-js';

/**
 * A grpc-js unary method bound to its request: `(options, callback) => client.Method(request, options, callback)`.
 * Return the call so an abort can cancel it.
 */
export type UnaryInvoker<T> = (
  options: CallOptions,
  callback: (err: ServiceError | null, response?: T) => void,
) => unknown;

/** When a {@link unary} call ends on its own: a deadline `timeoutMs` from now, an `AbortSignal`, or both. */
export interface UnaryOptions {
  readonly timeoutMs?: number;
  /** Aborting cancels the call (when the invoker returns it) and rejects with `signal.reason`. */
  readonly signal?: AbortSignal;
}

/**
 * Calls a grpc-js unary method as a promise, with a deadline `timeoutMs` from now when given (a number is
 * short for `{ timeoutMs }`): `await unary((opts, cb) => clients.entry.GetEntry({ id }, opts, cb), 30_000)`.
 * Rejects with the grpc-js `ServiceError`, or with the signal's reason once it is aborted.
 */
export function unary<T>(invoke: UnaryInvoker<T>, options: number | UnaryOptions = {}): Promise<T> {
  const { timeoutMs, signal } =
    typeof options === 'number' ? { timeoutMs: options, signal: undefined } : options;
  if (signal?.aborted) return Promise.reject(signal.reason);
  const callOptions: CallOptions =
    timeoutMs === undefined ? {} : { deadline: new Date(Date.now() + timeoutMs) };
  return new Promise((resolve, reject) => {
    const cancel = (): void => (call as { cancel?: () => void } | undefined)?.cancel?.();
    const call = invoke(callOptions, (err, response) => {
      signal?.removeEventListener('abort', cancel);
      if (signal?.aborted) reject(signal.reason);
      else if (err) reject(err);
      else resolve(response as T);
    });
    signal?.addEventListener('abort', cancel, { once: true });
  });
}
