import type * as grpc from '@grpc/grpc-js';
import type { PluginLogger, Selector } from '@lanyard/attestor-core';
import { ResourceExhaustedError } from '@lanyard/base';
import type { IdentityCache, WorkloadUpdate } from '../../manager/cache';
import { toCallStatus } from '../../workload/status';
import type { StepFunction, StreamStep } from '../../workload/stream';

/** Default bound of messages written to a delegated stream and not yet taken by the transport. */
export const DEFAULT_MAX_PENDING_MESSAGES = 16;

/** What {@link pumpBounded} needs. */
export interface BoundedStreamDeps {
  readonly cache: IdentityCache;
  readonly logger: PluginLogger;
  /** Live streams; a stream removes itself when it ends. */
  readonly streams: Set<object>;
  /** Messages a subscriber may leave unread (beyond HTTP/2 flow control) before its stream is closed. */
  readonly maxPendingMessages: number;
}

/** The status a subscriber that stopped reading gets. */
export function slowSubscriber(max: number): ResourceExhaustedError {
  return new ResourceExhaustedError(
    `subscriber is not reading: ${max} updates pending, closing the stream`,
    'ERR_SLOW_SUBSCRIBER',
  );
}

/**
 * Serves a cache view as a stream, like the Workload API's pump, but with bounded memory: each message counts
 * as pending until grpc-js has handed it to HTTP/2; when a new message finds `maxPendingMessages` pending (the
 * client stopped reading and flow control stopped the transport) the stream ends with RESOURCE_EXHAUSTED.
 * Cancellation or any end releases the cache subscription.
 */
export function pumpBounded<T>(
  call: grpc.ServerWritableStream<unknown, T>,
  deps: BoundedStreamDeps,
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
    if (pending >= deps.maxPendingMessages) {
      deps.logger.warn('Closing a delegated identity stream whose subscriber is not reading', {
        method: call.getPath(),
        pending,
      });
      finish(slowSubscriber(deps.maxPendingMessages));
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
