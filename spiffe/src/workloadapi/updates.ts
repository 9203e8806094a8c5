import { WorkloadApiError } from '../errors/workload-api-error';
import { abortedError, onAbort } from './abort';
import type { Watch } from './watch';

/** Update listeners of a source, plus a promise of the first update. */
export class Updates {
  /** Resolves on the first {@link emit}. */
  readonly first: Promise<void>;
  private readonly listeners = new Set<() => void>();
  private resolveFirst!: () => void;

  constructor() {
    this.first = new Promise((resolve) => (this.resolveFirst = resolve));
  }

  /** Adds a listener; returns its unsubscribe function. */
  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Notifies every listener (a throwing listener does not stop the others). */
  emit(): void {
    this.resolveFirst();
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch {
        // listeners own their errors
      }
    }
  }

  /** Drops every listener. */
  clear(): void {
    this.listeners.clear();
  }
}

/**
 * Resolves on the first update; rejects if the watch ends first (fatal error, or closed), after `timeoutMs` or
 * when `signal` aborts. Leaves no timer or listener behind.
 */
export async function waitForFirstUpdate(
  updates: Updates,
  watch: Watch,
  timeoutMs: number | undefined,
  what: string,
  signal?: AbortSignal,
): Promise<void> {
  if (signal?.aborted) throw abortedError(what, signal);
  let timer: NodeJS.Timeout | undefined;
  let removeAbort = (): void => undefined;
  const aborted = new Promise<never>((_, reject) => {
    removeAbort = onAbort(signal, () => reject(abortedError(what, signal as AbortSignal)));
  });
  const ended = watch.done.then(() => {
    throw (
      watch.fatalError ?? new WorkloadApiError('ERR_SOURCE_CLOSED', `${what} closed before its first update`)
    );
  });
  const timeout =
    timeoutMs === undefined
      ? new Promise<never>(() => undefined)
      : new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(new WorkloadApiError('ERR_SOURCE_TIMEOUT', `${what}: no update within ${timeoutMs} ms`)),
            timeoutMs,
          );
        });
  try {
    await Promise.race([updates.first, ended, timeout, aborted]);
  } finally {
    removeAbort();
    if (timer) clearTimeout(timer);
  }
}
