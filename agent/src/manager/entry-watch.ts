/**
 * The agent's end of `lanyard.agent.v1.EntryWatch` (a Lanyard extension): one server stream announcing the
 * changes of the entries and bundle this agent is authorized for, reopened with backoff and jitter when it
 * breaks. A server without the extension answers UNIMPLEMENTED: the agent then keeps to its poll (logged once)
 * and asks again only after {@link UNSUPPORTED_RETRY_MS}, in case the server was upgraded meanwhile.
 */
import * as grpc from '@grpc/grpc-js';
import type { PluginLogger } from '@lanyard/attestor-core';
import { Backoff } from '@lanyard/base';
import { statusOf } from '@lanyard/base/grpc';
import type { Entry__Output, WatchResponse__Output } from '@lanyard/proto';
import { describeRpcError } from '../client/rpc';
import type { ServerConnection } from '../client/server-connection';
import { AGENT_ENTRY_MASK } from './entry-sync';

/** How long an agent whose server lacks the extension waits before asking again. */
export const UNSUPPORTED_RETRY_MS = 5 * 60_000;
/** Largest change accumulated from pages before it is treated as a resync (the server bounds it lower). */
const MAX_ACCUMULATED = 50_000;

/** One complete pushed change (all its pages). */
export interface PushedChange {
  readonly upserts: Entry__Output[];
  readonly removedIds: string[];
  readonly bundleChanged: boolean;
  /** The change was too large to push: run a full sync. */
  readonly resync: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Options of {@link EntryWatcher}. */
export interface EntryWatcherOptions {
  readonly connection: ServerConnection;
  readonly logger: PluginLogger;
  /** The stream is (re)established: changes made while it was down are only seen by a sync. */
  readonly onReady: () => void;
  /** A complete change arrived. */
  readonly onChange: (change: PushedChange) => void;
  /** First reconnect delay (doubling up to `maxRetryMs`, ±20 % jitter); default 1 s. */
  readonly minRetryMs?: number;
  /** Longest reconnect delay; default 60 s. */
  readonly maxRetryMs?: number;
}

/** Keeps one EntryWatch stream open while started. */
export class EntryWatcher {
  private readonly backoff: Backoff;
  private call: grpc.ClientReadableStream<WatchResponse__Output> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private unsupportedLogged = false;
  private pending: Mutable<PushedChange> | undefined;
  /** True while a stream is established (its ready marker arrived). */
  healthy = false;

  constructor(private readonly options: EntryWatcherOptions) {
    this.backoff = new Backoff({
      initialDelayMs: options.minRetryMs ?? 1000,
      maxDelayMs: options.maxRetryMs ?? 60_000,
      jitter: 0.2,
    });
  }

  /** Opens the stream. */
  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Cancels the stream and any reconnect. */
  stop(): void {
    this.stopped = true;
    this.healthy = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const call = this.call;
    this.call = undefined;
    call?.cancel();
  }

  private open(): void {
    if (this.stopped) return;
    this.pending = undefined;
    const call = this.options.connection.clients().entryWatch.Watch({ output_mask: AGENT_ENTRY_MASK });
    this.call = call;
    let ready = false;
    call.on('data', (msg: WatchResponse__Output) => {
      if (!ready) {
        ready = true;
        this.established();
        return;
      }
      this.receive(msg);
    });
    call.on('error', (err: unknown) => this.broken(call, err));
    call.on('end', () => this.broken(call, undefined));
  }

  private established(): void {
    this.healthy = true;
    this.backoff.reset();
    this.options.logger.debug('Entry watch established');
    this.options.onReady();
  }

  private receive(msg: WatchResponse__Output): void {
    const change = this.pending ?? { upserts: [], removedIds: [], bundleChanged: false, resync: false };
    const size = change.upserts.length + change.removedIds.length + msg.upserted.length;
    change.resync ||= msg.resync || size > MAX_ACCUMULATED;
    if (change.resync) {
      change.upserts = [];
      change.removedIds = [];
    } else {
      change.upserts.push(...msg.upserted);
      change.removedIds.push(...msg.removed_ids);
    }
    change.bundleChanged ||= msg.bundle_changed;
    this.pending = msg.more ? change : undefined;
    if (!msg.more) this.options.onChange(change);
  }

  private broken(call: grpc.ClientReadableStream<WatchResponse__Output>, err: unknown): void {
    if (call !== this.call || this.stopped) return;
    this.call = undefined;
    this.healthy = false;
    let delay: number;
    if (statusOf(err) === grpc.status.UNIMPLEMENTED) {
      if (!this.unsupportedLogged) {
        this.options.logger.info('Server does not push entry changes; relying on the periodic sync');
        this.unsupportedLogged = true;
      }
      delay = UNSUPPORTED_RETRY_MS;
    } else {
      delay = this.backoff.next();
      this.options.logger.debug('Entry watch closed; reopening', {
        error: err === undefined ? 'stream ended' : describeRpcError(err),
        retry_in_ms: delay,
      });
    }
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.open();
    }, delay);
    this.timer.unref?.();
  }
}
