/** Shared helpers of the Workload API and TLS tests. */

/** A queue of values pushed by callbacks, awaited one by one with a bounded wait. */
export class Inbox<T> {
  private readonly items: T[] = [];
  private waiters: Array<(value: T) => void> = [];

  push = (value: T): void => {
    const waiter = this.waiters.shift();
    if (waiter) waiter(value);
    else this.items.push(value);
  };

  /** The next value, or a rejection after `timeoutMs`. */
  next(timeoutMs = 5000): Promise<T> {
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== deliver);
        reject(new Error(`inbox: nothing within ${timeoutMs} ms`));
      }, timeoutMs);
      const deliver = (value: T) => {
        clearTimeout(timer);
        resolve(value);
      };
      this.waiters.push(deliver);
    });
  }

  /** Values received and not yet taken. */
  get pending(): number {
    return this.items.length;
  }
}

/** Polls `predicate` every 10 ms until true, failing after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Backoff small enough to keep reconnect tests fast. */
export const FAST_BACKOFF = { initialDelayMs: 20, maxDelayMs: 100 };
