import type { CallOptions, ServiceError } from '@grpc/grpc-js';

/** A grpc-js unary method bound to its request: `(options, callback) => client.Method(request, options, callback)`. */
export type UnaryInvoker<T> = (
  options: CallOptions,
  callback: (err: ServiceError | null, response?: T) => void,
) => unknown;

/**
 * Calls a grpc-js unary method as a promise, with a deadline `timeoutMs` from now when given:
 * `await unary((opts, cb) => clients.entry.GetEntry({ id }, opts, cb), 30_000)`.
 * Rejects with the grpc-js `ServiceError`.
 */
export function unary<T>(invoke: UnaryInvoker<T>, timeoutMs?: number): Promise<T> {
  const options: CallOptions = timeoutMs === undefined ? {} : { deadline: new Date(Date.now() + timeoutMs) };
  return new Promise((resolve, reject) => {
    invoke(options, (err, response) => {
      if (err) reject(err);
      else resolve(response as T);
    });
  });
}
