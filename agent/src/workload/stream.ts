import type * as grpc from '@grpc/grpc-js';
import type { PluginLogger, Selector } from '@lanyard/attestor-core';
import { ResourceExhaustedError } from '@lanyard/base';
import type { IdentityCache, WorkloadUpdate } from '../manager/cache';
import { toCallStatus } from './status';

/** What a stream does with one view of the cache: send a message, wait for the next change, or end. */
export type StreamStep<T> =
  | { readonly kind: 'send'; readonly message: T }
  | { readonly kind: 'wait' }
  | { readonly kind: 'end'; readonly error: unknown };

/** Computes the next step from the caller's current view; may keep state (the last message sent). */
export type StepFunction<T> = (update: WorkloadUpdate) => StreamStep<T>;

/** Shared parts every streaming handler needs. */
export interface StreamDeps {
  readonly cache: IdentityCache;
  readonly logger: PluginLogger;
  /** Live streams; a stream removes itself when it ends or is cancelled. */
  readonly streams: Set<object>;
  /**
   * Bounded memory: messages a subscriber may leave unread (each counts until grpc-js hands it to HTTP/2)
   * before its stream ends with RESOURCE_EXHAUSTED; unbounded when absent.
   */
  readonly maxPendingMessages?: number;
}

/** The status a subscriber that stopped reading gets. */
export function slowSubscriber(max: number): ResourceExhaustedError {
  return new ResourceExhaustedError(
    `subscriber is not reading: ${max} updates pending, closing the stream`,
    'ERR_SLOW_SUBSCRIBER',
  );
}

/**
 * Serves a caller's view of the cache as a stream: the first step runs at once, later steps on every cache
 * notification, until a step ends the stream, the client cancels (which releases the subscription) or, with
 * `maxPendingMessages`, the client stops reading.
 */
export function pumpUpdates<T>(
  call: grpc.ServerWritableStream<unknown, T>,
  deps: StreamDeps,
  selectors: readonly Selector[],
  step: StepFunction<T>,
): void {
  const token = {};
  let done = false;
  let pending = 0;
  const finish = (error?: unknown): void => {
    if (done) return;
    done = true;
    subscription.unsubscribe();
    deps.streams.delete(token);
    if (error !== undefined) call.emit('error', toCallStatus(error, deps.logger, call.getPath()));
  };
  const write = (message: T): void => {
    const max = deps.maxPendingMessages;
    if (max === undefined) {
      call.write(message);
      return;
    }
    if (pending >= max) {
      deps.logger.warn('Closing a stream whose subscriber is not reading', {
        method: call.getPath(),
        pending,
      });
      finish(slowSubscriber(max));
      return;
    }
    pending++;
    call.write(message, () => pending--);
  };
  const apply = (update: WorkloadUpdate): void => {
    if (done) return;
    let next: StreamStep<T>;
    try {
      next = step(update);
    } catch (err) {
      finish(err);
      return;
    }
    if (next.kind === 'send') write(next.message);
    else if (next.kind === 'end') finish(next.error);
  };
  const subscription = deps.cache.subscribe(selectors, apply);
  deps.streams.add(token);
  call.on('cancelled', () => finish());
  call.on('close', () => finish());
  if (call.cancelled) {
    finish();
    return;
  }
  apply(subscription.current());
}

/** A step that sends `render(update)` unless it equals the previous message (by `same`). */
export function dedupe<T>(
  render: (update: WorkloadUpdate) => T,
  same: (previous: T, next: T) => boolean,
): (update: WorkloadUpdate) => StreamStep<T> {
  let previous: T | undefined;
  return (update) => {
    const message = render(update);
    if (previous !== undefined && same(previous, message)) return { kind: 'wait' };
    previous = message;
    return { kind: 'send', message };
  };
}
