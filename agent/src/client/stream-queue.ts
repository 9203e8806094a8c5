import type { EventEmitter } from 'node:events';

/**
 * Pull-style reader over a grpc-js client stream: `next()` resolves with the next message, or undefined once
 * the server ended the stream; stream errors reject the pending and later reads.
 */
export class StreamQueue<T> {
  private readonly buffered: T[] = [];
  private waiting: { resolve: (v: T | undefined) => void; reject: (e: unknown) => void } | undefined;
  private ended = false;
  private error: unknown;

  constructor(stream: EventEmitter) {
    stream.on('data', (msg: T) => {
      if (this.waiting) this.settle().resolve(msg);
      else this.buffered.push(msg);
    });
    stream.on('end', () => {
      this.ended = true;
      if (this.waiting) this.settle().resolve(undefined);
    });
    stream.on('error', (err: unknown) => {
      this.error = err;
      if (this.waiting) this.settle().reject(err);
    });
  }

  /** The next message, or undefined after the end of the stream. */
  next(): Promise<T | undefined> {
    if (this.buffered.length > 0) return Promise.resolve(this.buffered.shift());
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  private settle(): { resolve: (v: T | undefined) => void; reject: (e: unknown) => void } {
    const waiting = this.waiting as NonNullable<typeof this.waiting>;
    this.waiting = undefined;
    return waiting;
  }
}
