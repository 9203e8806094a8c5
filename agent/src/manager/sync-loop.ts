/**
 * The agent's periodic synchronisation with the server: rotate the agent SVID when due, sync authorised
 * entries (the full list only when the EntryWatch stream may have missed a change), own and federated bundles,
 * then sign the workload SVIDs that are due, pushing everything into the identity cache; changes pushed over
 * the stream are applied in between, one at a time with the syncs. Runs every `sync_interval` with exponential backoff on failure; a failure is logged once when
 * the state changes, not on every attempt. While the server is unreachable the cache keeps serving.
 */
import * as grpc from '@grpc/grpc-js';
import type { PluginLogger } from '@lanyard/attestor-core';
import { Backoff } from '@lanyard/base';
import { statusOf } from '@lanyard/base/grpc';
import type { IdentityCache, RotationStrategy, WorkloadEntry } from './cache';
import type { WorkloadKeyType } from '../config/types';
import { AgentBannedError, type AgentIdentity } from '../attestor/agent-identity';
import { RebootstrapShutdownError, type RebootstrapPolicy } from '../attestor/rebootstrap';
import { AgentRefusedError, refusal } from './agent-refusal';
import { AuthorizedSync } from './authorized-sync';
import { EntryWatcher, type PushedChange } from './entry-watch';
import { WantedSvids, applyPushedChange } from './pushed-change';
import { describeRpcError } from '../client/rpc';
import type { ServerConnection } from '../client/server-connection';
import { SvidSigner } from './svid-signer';
import { StoreCache } from './store/store-cache';
import { StoreService } from './store/store-service';
import type { SvidStore } from '../svidstore/plugin';
import { AGENT_METRIC_KEYS, type AgentTelemetry } from '../telemetry';

/** Longest wait between sync attempts while the server keeps failing (unless `sync_interval` is longer). */
const MAX_RETRY_DELAY_MS = 60_000;
/** Spread of retry delays, so that agents that lost the server together do not all return at once. */
const RETRY_JITTER = 0.1;

/** Options of {@link SyncLoop}. */
export interface SyncLoopOptions {
  readonly cache: IdentityCache;
  readonly connection: ServerConnection;
  readonly identity: AgentIdentity;
  readonly intervalMs: number;
  readonly workloadKeyType: WorkloadKeyType;
  /** When workload SVIDs are renewed (`availability_target`); half-life when absent. */
  readonly rotation?: RotationStrategy;
  readonly logger: PluginLogger;
  /** Called when the agent cannot continue (banned, evicted without re-attestation). */
  readonly onFatal: (err: Error) => void;
  /** Sync metrics (`spire_agent_manager_sync_*`, cache sizes); none when absent. */
  readonly telemetry?: AgentTelemetry;
  /** Number of cached JWT-SVIDs, for `spire_agent_jwt_svid_cache_size`. */
  readonly jwtSvidCount?: () => number;
  /** Configured `SVIDStore` plugins by name, which receive the SVIDs of `-storeSVID` entries; none when absent. */
  readonly svidStores?: ReadonlyMap<string, SvidStore>;
  /** `rebootstrap_mode` / `rebootstrap_delay`: when an untrusted server makes the agent start over. */
  readonly rebootstrap?: RebootstrapPolicy;
  /** `lanyard_push_entry_changes`: open the EntryWatch stream (default true); false = poll only, as SPIRE. */
  readonly pushEntryChanges?: boolean;
}

/** Runs {@link sync} on a timer until stopped. */
export class SyncLoop {
  private readonly signer: SvidSigner;
  private readonly storeSigner: SvidSigner;
  private readonly storeService: StoreService;
  /** Entries created with `-storeSVID` and their SVIDs, kept out of the identity cache. */
  readonly storeCache = new StoreCache();
  /** Entries and bundles. */
  private readonly authorized: AuthorizedSync;
  private readonly backoff: Backoff;
  /**
   * `sync_interval` ±10 % (a backoff capped at its first delay), as SPIRE's agent spaces its syncs: agents that
   * synced together (a fleet booting, a server restart) drift apart instead of arriving in bursts for ever.
   */
  private readonly cadence: Backoff;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;
  private failing = false;
  private again = false;
  private readonly wantedSvids: WantedSvids;
  private removeWanted: (() => void) | undefined;
  /** Syncs and pushed changes run one at a time, so neither applies an older view over a newer one. */
  private exclusive: Promise<unknown> = Promise.resolve();
  /** The EntryWatch stream; undefined when push is disabled. */
  readonly watcher: EntryWatcher | undefined;
  /** Time of the last successful sync. */
  lastSuccess: Date | undefined;

  constructor(private readonly options: SyncLoopOptions) {
    const { workloadKeyType, logger, rotation } = options;
    this.signer = new SvidSigner(options.cache, workloadKeyType, logger, rotation);
    this.storeSigner = new SvidSigner(this.storeCache, workloadKeyType, logger, rotation);
    this.authorized = new AuthorizedSync({ ...options, storeCache: this.storeCache });
    this.storeService = new StoreService(this.storeCache, options.svidStores ?? new Map(), options.logger);
    this.backoff = new Backoff({
      initialDelayMs: 2 * options.intervalMs,
      maxDelayMs: Math.max(options.intervalMs, MAX_RETRY_DELAY_MS),
      jitter: RETRY_JITTER,
    });
    this.cadence = new Backoff({
      initialDelayMs: options.intervalMs,
      maxDelayMs: options.intervalMs,
      jitter: RETRY_JITTER,
    });
    this.wantedSvids = new WantedSvids(
      { cache: options.cache, signer: this.signer, connection: options.connection },
      (task) => this.serialize(task),
      () => this.kick(),
    );
    if (options.pushEntryChanges !== false) {
      this.watcher = new EntryWatcher({
        connection: options.connection,
        logger: options.logger,
        onReady: () => {
          this.authorized.streamReopened();
          this.kick(true);
        },
        onChange: (change) => void this.applyPushed(change),
      });
    }
  }

  /** Starts syncing now and then periodically, and opens the EntryWatch stream. */
  start(): void {
    this.stopped = false;
    this.removeWanted = this.options.cache.onSvidsWanted((entries) => this.svidsWanted(entries));
    this.schedule(0);
    this.watcher?.start();
  }

  /**
   * Runs a sync as soon as possible (a new workload is waiting for an SVID). Ignored while backing off after a
   * failure, unless `serverBack`: the EntryWatch stream reached the server again, so the retry need not wait.
   */
  kick(serverBack = false): void {
    if (this.stopped || (this.failing && !serverBack)) return;
    if (this.running) this.again = true;
    else this.schedule(0);
  }

  /**
   * A workload matched entries without SVIDs. While the EntryWatch stream is up the entries are current, so
   * only those entries' SVIDs are signed; otherwise a full sync runs now.
   */
  private svidsWanted(entries: readonly WorkloadEntry[]): void {
    if (!this.watcher?.healthy) return this.kick();
    if (!this.stopped && !this.failing) this.wantedSvids.add(entries);
  }

  /** Stops the timer and waits (at most `graceMs`) for a sync in progress. */
  async stop(graceMs = 5000): Promise<void> {
    this.stopped = true;
    this.removeWanted?.();
    this.watcher?.stop();
    if (this.timer) clearTimeout(this.timer);
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all([this.running, this.storeService.idle()]), grace]);
    clearTimeout(timer);
  }

  /**
   * One full sync; resolves when done, rejects with the first failure. Fetching entries and bundles, and
   * signing SVIDs, are recorded as SPIRE's `manager_sync_fetch_entries_updates` / `…_fetch_svids_updates`.
   */
  async sync(now: Date = new Date()): Promise<void> {
    const { identity, connection, cache } = this.options;
    await refusal(identity.rotateIfNeeded(now, cache.getTaintedAuthorities()));
    await this.measure(AGENT_METRIC_KEYS.syncEntries, () =>
      this.authorized.sync(connection.clients(), this.watcher?.healthy === true),
    );
    const telemetry = this.options.telemetry;
    await this.measure(AGENT_METRIC_KEYS.syncSvids, () =>
      this.signer.signDue(connection.clients(), now, (due) => telemetry?.expiringSvids(due)),
    );
    await this.storeSigner.signDue(connection.clients(), now);
    this.storeService.kick();
    telemetry?.cacheSizes({
      entries: cache.entryCount,
      x509Svids: cache.svidCount,
      jwtSvids: this.options.jwtSvidCount?.() ?? 0,
    });
  }

  /** Applies a pushed change after any sync in progress; a change it cannot carry runs a full sync. */
  private async applyPushed(change: PushedChange): Promise<void> {
    const { cache, connection, logger, telemetry } = this.options;
    const target = {
      cache,
      entries: this.authorized.entries,
      signer: this.signer,
      connection,
      logger,
      telemetry,
    };
    try {
      const outcome = await this.serialize(() => applyPushedChange(target, change));
      if (outcome.needsEntryList) this.authorized.entryListStale();
      if (outcome.needsSync) this.kick();
    } catch (err) {
      logger.warn('Failed to apply pushed entry changes; syncing instead', { error: describeRpcError(err) });
      this.authorized.entryListStale();
      this.kick();
    }
  }

  private serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(task);
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  private measure<T>(key: readonly string[], call: () => Promise<T>): Promise<T> {
    return this.options.telemetry ? this.options.telemetry.measure(key, call) : call();
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.tick().finally(() => (this.running = undefined));
    }, delayMs);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    let delay: number;
    const expired = this.options.cache.dropExpiredSvids();
    if (expired > 0)
      this.options.logger.warn('Dropped expired X509-SVIDs from the cache', { count: expired });
    // As SPIRE's agent releases its connection on errors, a retry dials afresh unless the channel is connected:
    // one left in grpc-js's reconnect backoff (the EntryWatch stream reopens on it meanwhile) would fail the
    // retry at once long after a restarted server is back.
    if (this.failing) this.options.connection.closeUnlessConnected();
    try {
      await this.serialize(() => this.sync());
      this.lastSuccess = new Date();
      this.options.rebootstrap?.trusted();
      this.backoff.reset();
      if (this.failing) this.options.logger.info('Synchronization with the server recovered');
      this.failing = false;
      delay = this.cadence.next();
    } catch (err) {
      delay = await this.handleFailure(err);
    }
    if (this.again && !this.failing) delay = 0;
    this.again = false;
    this.schedule(delay);
  }

  private async handleFailure(err: unknown): Promise<number> {
    if (this.options.rebootstrap?.shouldRebootstrap(err)) {
      this.options.identity.discardForRebootstrap();
      this.stopped = true;
      this.options.onFatal(new RebootstrapShutdownError());
      return this.options.intervalMs;
    }
    if (err instanceof AgentRefusedError) {
      err = err.cause;
      try {
        await this.options.identity.recoverFromEviction(err);
        return 0;
      } catch (fatal) {
        if (fatal instanceof AgentBannedError || statusOf(fatal) === grpc.status.PERMISSION_DENIED) {
          this.stopped = true;
          this.options.onFatal(fatal as Error);
          return this.options.intervalMs;
        }
        err = fatal;
      }
    }
    const delay = this.backoff.next();
    if (!this.failing) {
      this.options.logger.warn('Failed to synchronize with the server; retrying with backoff', {
        error: describeRpcError(err),
        retry_in_ms: delay,
      });
    }
    this.failing = true;
    return delay;
  }
}
