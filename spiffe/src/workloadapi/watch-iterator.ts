import './dispose-symbol';
import type { LanyardError } from '@lanyard/base';
import { onAbort } from './abort';
import type { Watch, Watcher } from './watch';

/** Options of the async-iterable form of the client's `watch…` methods. */
export interface WatchOptions {
  /** Ends the iteration (the loop finishes normally) and closes the stream. */
  readonly signal?: AbortSignal;
  /** Hears errors the watch recovers from (broken stream, unparsable message); the fatal one is thrown instead. */
  readonly onError?: (err: LanyardError) => void;
}

/**
 * The async-iterable form of a watch: yields the newest state each time the loop asks (a slow consumer skips
 * states that were already replaced, it never sees a stale one). The loop ends when `signal` aborts, when it is
 * left (`break`, `return`, a throw) or when the client closes; a fatal watch error (INVALID_ARGUMENT) is thrown.
 */
export class WatchIterator<T> implements AsyncIterableIterator<T>, AsyncDisposable {
  private readonly watch: Watch;
  private latest: { value: T } | undefined;
  private waiter: ((result: IteratorResult<T>) => void) | undefined;
  private failWaiter: ((err: unknown) => void) | undefined;
  private ended = false;
  private fatal: LanyardError | undefined;
  private readonly removeAbort: () => void;

  constructor(start: (watcher: Watcher<T>) => Watch, options: WatchOptions = {}) {
    this.watch = start({
      onUpdate: (value) => this.push(value),
      onError: (err) => options.onError?.(err),
    });
    void this.watch.done.then(() => this.end(this.watch.fatalError));
    this.removeAbort = onAbort(options.signal, () => this.watch.stop());
    if (options.signal?.aborted) this.watch.stop();
  }

  /** Resolves with the newest state not yet returned, waiting for one if needed. */
  next(): Promise<IteratorResult<T>> {
    if (this.latest) {
      const { value } = this.latest;
      this.latest = undefined;
      return Promise.resolve({ value, done: false });
    }
    if (this.ended) return this.finished();
    return new Promise((resolve, reject) => {
      this.waiter = resolve;
      this.failWaiter = reject;
    });
  }

  /** Stops the watch; called by `for await` when the loop is left early. */
  async return(): Promise<IteratorResult<T>> {
    this.watch.stop();
    await this.watch.done;
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.return();
  }

  private push(value: T): void {
    if (this.waiter) {
      const resolve = this.waiter;
      this.waiter = this.failWaiter = undefined;
      resolve({ value, done: false });
      return;
    }
    this.latest = { value };
  }

  private end(fatal: LanyardError | undefined): void {
    this.ended = true;
    this.fatal = fatal;
    this.removeAbort();
    const resolve = this.waiter;
    const reject = this.failWaiter;
    this.waiter = this.failWaiter = undefined;
    if (!resolve || !reject) return;
    this.finished().then(resolve, reject);
  }

  private finished(): Promise<IteratorResult<T>> {
    const fatal = this.fatal;
    this.fatal = undefined;
    return fatal ? Promise.reject(fatal) : Promise.resolve({ value: undefined, done: true });
  }
}
