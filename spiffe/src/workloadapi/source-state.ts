import { WorkloadApiError } from '../errors/workload-api-error';
import type { WorkloadApiClient } from './client';
import { Updates, waitForFirstUpdate } from './updates';
import type { Watch } from './watch';

/**
 * The lifecycle both Workload API sources share: the latest value of one watch, its update listeners, waiting
 * for the first update, and closing the watch (and the client when the source created it).
 */
export class SourceState<T> {
  private value: T | undefined;
  private closed = false;
  private readonly updates = new Updates();
  private watch: Watch | undefined;

  /**
   * @param what - the source's name in error messages, e.g. `'x509 source'`.
   * @param client - the client the watch runs on.
   * @param ownsClient - whether {@link close} closes `client` too.
   */
  constructor(
    private readonly what: string,
    private readonly client: WorkloadApiClient,
    private readonly ownsClient: boolean,
  ) {}

  /**
   * Adopts `watch` and waits for its first update; on failure (fatal watch error, close, `timeoutMs`, `signal`)
   * closes the state and rethrows.
   */
  async start(watch: Watch, timeoutMs: number | undefined, signal: AbortSignal | undefined): Promise<void> {
    this.watch = watch;
    try {
      await waitForFirstUpdate(this.updates, watch, timeoutMs, this.what, signal);
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Replaces the current value and notifies the listeners (ignored once closed). */
  set(value: T): void {
    if (this.closed) return;
    this.value = value;
    this.updates.emit();
  }

  /**
   * The current value.
   * @throws WorkloadApiError: `ERR_SOURCE_CLOSED` once closed; `ERR_SOURCE_NOT_READY` before the first update.
   */
  current(): T {
    if (this.closed) throw new WorkloadApiError('ERR_SOURCE_CLOSED', `${this.what} is closed`);
    if (this.value === undefined) {
      throw new WorkloadApiError('ERR_SOURCE_NOT_READY', `${this.what} has no update yet`);
    }
    return this.value;
  }

  /** Calls `listener` after every update; returns a function that unsubscribes it. */
  onUpdate(listener: () => void): () => void {
    return this.updates.subscribe(listener);
  }

  /** Stops the watch (and closes the client if owned). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watch?.stop();
    this.updates.clear();
    await this.watch?.done;
    if (this.ownsClient) await this.client.close();
  }
}
