import type * as grpc from '@grpc/grpc-js';
import type { PluginLogger, Selector } from '@lanyard/attestor-core';
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
}

/**
 * Serves a caller's view of the cache as a stream: the first step runs at once, later steps on every cache
 * notification, until a step ends the stream or the client cancels (which releases the subscription).
 */
export function pumpUpdates<T>(
  call: grpc.ServerWritableStream<unknown, T>,
  deps: StreamDeps,
  selectors: readonly Selector[],
  step: StepFunction<T>,
): void {
  const token = {};
  let done = false;
  const finish = (error?: unknown): void => {
    if (done) return;
    done = true;
    subscription.unsubscribe();
    deps.streams.delete(token);
    if (error !== undefined) call.emit('error', toCallStatus(error, deps.logger, call.getPath()));
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
    if (next.kind === 'send') call.write(next.message);
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
