import type { PluginLogger } from '@lanyard/attestor-core';
import type { DataStore, RegistrationEntry, Selector } from '../datastore/types';
import { AuthorizedEntryIndex } from './authorized-entry-index';

/** Options of {@link EntryCache}. */
export interface EntryCacheOptions {
  datastore: DataStore;
  /** `spiffe://<td>/spire/server`. */
  serverId: string;
  logger: PluginLogger;
  /** Poll period of the datastore event tables; default 1000 ms. */
  pollIntervalMs?: number;
  /** How long a gap in event IDs is waited for (a transaction still committing); default 60 s. */
  gapTimeoutMs?: number;
  /** Full rebuild period as a safety net; default 1 h. */
  fullReloadIntervalMs?: number;
  now?: () => number;
  /** Called after every refresh or reload with the cache's sizes (for SPIRE's entry-cache gauges). */
  onUpdated?: (stats: EntryCacheStats) => void;
}

/** Sizes of the cache after an update. */
export interface EntryCacheStats {
  /** Entries indexed by ID. */
  entries: number;
  /** Agents whose node selectors are known. */
  agents: number;
  /** Distinct selectors of node-alias entries. */
  aliasSelectors: number;
  /** Node-alias entries (parented to the server). */
  aliasEntries: number;
  /** Entry and node event IDs skipped over and still awaited. */
  skippedEntryEvents: number;
  skippedNodeEvents: number;
}

/**
 * What one refresh changed: IDs of entries touched by entry events, IDs of agents whose node selectors changed,
 * or everything (`reloaded`, after a full reload).
 */
export interface EntryCacheChange {
  readonly entryIds: ReadonlySet<string>;
  readonly agentIds: ReadonlySet<string>;
  readonly reloaded: boolean;
}

/**
 * The server's authorized-entry cache: hydrated once from the datastore, then kept current from the entry and
 * node event tables (polled every second, and on demand right after local writes). Per-request lookups never
 * touch the database.
 */
export class EntryCache {
  private current: AuthorizedEntryIndex;
  private entryCursor = 0;
  private nodeCursor = 0;
  /** Event IDs skipped over (gap) → first time seen, waited for until the gap timeout. */
  private readonly entryGaps = new Map<number, number>();
  private readonly nodeGaps = new Map<number, number>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private pending: Promise<void> | undefined;
  private lastFullLoad = 0;
  private readonly now: () => number;
  private readonly changeListeners = new Set<(change: EntryCacheChange) => void>();

  constructor(private readonly opts: EntryCacheOptions) {
    this.current = new AuthorizedEntryIndex(opts.serverId);
    this.now = opts.now ?? Date.now;
  }

  /** The index lookups are answered from; a full reload builds a new one and swaps it in when complete. */
  get index(): AuthorizedEntryIndex {
    return this.current;
  }

  /** Loads everything and starts polling. */
  async start(): Promise<void> {
    await this.fullReload();
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) =>
        this.opts.logger.warn('Entry cache refresh failed', { error: (err as Error).message }),
      );
    }, this.opts.pollIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Stops polling. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Calls `listener` after every refresh or reload that changed something; returns a remover. */
  onChange(listener: (change: EntryCacheChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Entries the agent may serve, from memory. */
  authorizedEntries(agentId: string): RegistrationEntry[] {
    return this.index.authorizedEntries(agentId, this.nowSeconds());
  }

  /** The entry `entryId` if the agent may serve it, from memory in O(its ancestry). */
  authorizedEntry(agentId: string, entryId: string): RegistrationEntry | undefined {
    return this.index.authorizedEntry(agentId, entryId, this.nowSeconds());
  }

  /** Direct children of `parentId` whose selectors are a subset of `selectors`, from memory. */
  childrenMatching(parentId: string, selectors: readonly Selector[]): RegistrationEntry[] {
    return this.index.childrenMatching(parentId, selectors, this.nowSeconds());
  }

  /** The cache's clock in unix seconds, against which entry expiry is judged. */
  nowSeconds(): number {
    return Math.floor(this.now() / 1000);
  }

  /**
   * Applies the datastore events written since the last refresh. Concurrent callers share one queued run that
   * starts after the current one, so a caller always sees its own earlier writes.
   */
  refresh(): Promise<void> {
    if (this.pending !== undefined) return this.pending;
    const next = this.running.then(() => {
      this.pending = undefined;
      return this.step();
    });
    this.pending = next;
    this.running = next.catch(() => undefined);
    return next;
  }

  private async step(): Promise<void> {
    if (this.now() - this.lastFullLoad >= (this.opts.fullReloadIntervalMs ?? 3_600_000)) {
      await this.fullReload();
      return;
    }
    const entryIds = await this.applyEntryEvents();
    for (const id of this.index.takeExpired(this.nowSeconds())) entryIds.add(id);
    const agentIds = await this.applyNodeEvents();
    this.reportStats();
    if (entryIds.size + agentIds.size > 0) this.emitChange({ entryIds, agentIds, reloaded: false });
  }

  private emitChange(change: EntryCacheChange): void {
    for (const listener of this.changeListeners) listener(change);
  }

  private reportStats(): void {
    this.opts.onUpdated?.({
      ...this.index.stats(),
      skippedEntryEvents: this.entryGaps.size,
      skippedNodeEvents: this.nodeGaps.size,
    });
  }

  private async fullReload(): Promise<void> {
    const started = this.now();
    const ds = this.opts.datastore;
    const latest = await ds.latestEventIds();
    const fresh = new AuthorizedEntryIndex(this.opts.serverId);
    const [entries, nodes] = await Promise.all([
      ds.scanEntriesForCache((page) => {
        for (const entry of page) fresh.upsertEntry(entry);
      }),
      ds.listNodeSelectors(),
    ]);
    for (const node of nodes) fresh.setNodeSelectors(node.spiffeId, node.selectors);
    this.current = fresh;
    this.entryCursor = latest.entry;
    this.nodeCursor = latest.node;
    this.entryGaps.clear();
    this.nodeGaps.clear();
    this.lastFullLoad = this.now();
    this.reportStats();
    this.emitChange({ entryIds: new Set(), agentIds: new Set(), reloaded: true });
    this.opts.logger.debug('Entry cache reloaded', {
      entries,
      elapsed_ms: this.now() - started,
    });
  }

  private async applyEntryEvents(): Promise<Set<string>> {
    const ds = this.opts.datastore;
    const from = this.lowestWatermark(this.entryCursor, this.entryGaps);
    const events = await ds.listEntryEventsAfter(from);
    const ids = this.consumeEvents(events, this.entryGaps, 'entry', (e) => e.entryId);
    if (ids.size === 0) return ids;
    const found = await ds.getEntries([...ids]);
    for (const id of ids) {
      const entry = found.get(id);
      if (entry === undefined) this.index.removeEntry(id);
      else this.index.upsertEntry(entry);
    }
    return ids;
  }

  private async applyNodeEvents(): Promise<Set<string>> {
    const ds = this.opts.datastore;
    const from = this.lowestWatermark(this.nodeCursor, this.nodeGaps);
    const events = await ds.listNodeEventsAfter(from);
    const ids = this.consumeEvents(events, this.nodeGaps, 'node', (e) => e.spiffeId);
    for (const agentId of ids) this.index.setNodeSelectors(agentId, await ds.getNodeSelectors(agentId));
    return ids;
  }

  /** Reads from just below the oldest gap still awaited, else from the cursor. */
  private lowestWatermark(cursor: number, gaps: Map<number, number>): number {
    const deadline = this.now() - (this.opts.gapTimeoutMs ?? 60_000);
    let low = cursor;
    for (const [id, seen] of gaps) {
      if (seen < deadline) gaps.delete(id);
      else low = Math.min(low, id - 1);
    }
    return low;
  }

  /** Advances the cursor over new events, records gaps, and returns the changed keys. */
  private consumeEvents<E extends { eventId: number }>(
    events: E[],
    gaps: Map<number, number>,
    kind: 'entry' | 'node',
    keyOf: (event: E) => string,
  ): Set<string> {
    let cursor = kind === 'entry' ? this.entryCursor : this.nodeCursor;
    const keys = new Set<string>();
    for (const event of events) {
      gaps.delete(event.eventId);
      keys.add(keyOf(event));
      if (event.eventId > cursor) {
        for (let missing = cursor + 1; missing < event.eventId && gaps.size < 10_000; missing++) {
          gaps.set(missing, this.now());
        }
        cursor = event.eventId;
      }
    }
    if (kind === 'entry') this.entryCursor = cursor;
    else this.nodeCursor = cursor;
    return keys;
  }
}
