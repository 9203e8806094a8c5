import type { Readable } from 'node:stream';
import { LanyardError } from '@lanyard/base';
import { status } from '@grpc/grpc-js';
import { rejectMalformed } from '@lanyard/base/grpc';

/**
 * Pull-style reader over a grpc-js request stream: `next()` resolves with the next message, or `undefined`
 * once the client half-closed or the call was cancelled. At most `maxBuffered` unread messages are queued;
 * a client that floods the stream gets ResourceExhausted, a message that did not decode InvalidArgument.
 */
export class StreamReader<T> {
  private readonly queue: T[] = [];
  private waiter: ((value: T | undefined) => void) | undefined;
  private ended = false;
  private overflow = false;

  constructor(
    stream: Readable,
    private readonly maxBuffered = 64,
  ) {
    stream.on('data', (message: T) => {
      if (this.waiter !== undefined) {
        const waiter = this.waiter;
        this.waiter = undefined;
        waiter(message);
      } else if (this.queue.length < this.maxBuffered) {
        this.queue.push(message);
      } else {
        this.overflow = true;
      }
    });
    const finish = (): void => {
      this.ended = true;
      const waiter = this.waiter;
      this.waiter = undefined;
      waiter?.(undefined);
    };
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  }

  /**
   * The next message, or `undefined` at end of stream. With `timeoutMs`, a client that sends nothing in time
   * gets DeadlineExceeded (`<what> not received in time`), so silent unauthenticated streams cannot pile up.
   */
  async next(timeoutMs?: number, what = 'message'): Promise<T | undefined> {
    if (this.overflow) {
      throw new LanyardError(
        status.RESOURCE_EXHAUSTED,
        'ERR_STREAM_FLOOD',
        'too many unread messages on stream',
      );
    }
    const queued = this.queue.shift();
    if (queued !== undefined) return this.checked(queued);
    if (this.ended) return undefined;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.waiter = undefined;
              reject(
                new LanyardError(
                  status.DEADLINE_EXCEEDED,
                  'ERR_STREAM_TIMEOUT',
                  `${what} not received in time`,
                ),
              );
            }, timeoutMs);
      this.waiter = (value) => {
        if (timer !== undefined) clearTimeout(timer);
        try {
          resolve(value === undefined ? undefined : this.checked(value));
        } catch (err) {
          reject(err);
        }
      };
    });
  }

  /** A message that did not decode (tolerant deserializer) is the client's error: INVALID_ARGUMENT. */
  private checked(message: T): T {
    rejectMalformed(message);
    return message;
  }
}
