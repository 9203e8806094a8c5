import { WorkloadApiError } from '../errors/workload-api-error';

/** Options every Workload API call accepts. */
export interface WorkloadApiCallOptions {
  /** Aborts the call: the promise rejects with `WorkloadApiError` `ERR_WORKLOAD_ABORTED` (cause: the reason). */
  readonly signal?: AbortSignal;
}

/** The error a call aborted through `signal` rejects with. */
export function abortedError(what: string, signal: AbortSignal): WorkloadApiError {
  return new WorkloadApiError('ERR_WORKLOAD_ABORTED', `${what}: aborted`, { cause: signal.reason });
}

/** Runs `listener` once when `signal` aborts; returns a function that removes it (a no-op without a signal). */
export function onAbort(signal: AbortSignal | undefined, listener: () => void): () => void {
  if (!signal) return () => undefined;
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}
