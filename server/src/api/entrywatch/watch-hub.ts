import type { PluginLogger } from '@lanyard/attestor-core';
import type { EntryCache, EntryCacheChange } from '../../authorized-entries/entry-cache';
import type { WireEntryMask } from '../wire';
import { AgentWatch, type WatchLimits, type WatchSink } from './agent-watch';
import type { AuthorizedView } from './held-entries';

/** Default bound of a pushed change: above it the agent runs its paged SyncAuthorizedEntries instead. */
export const DEFAULT_MAX_PUSHED_ENTRIES = 5000;

/**
 * True while `agentId` is attested and not banned, as the datastore says now (what the authorizer checks on every
 * call). A rejection counts as unknown: the watch is kept.
 */
export type AgentActiveCheck = (agentId: string) => Promise<boolean>;

/**
 * The server's open `lanyard.agent.v1.EntryWatch` streams, one per agent: after every entry-cache refresh that
 * changed something, the watches it may concern compute their agent's delta and push it; a bundle change is
 * announced to all. A second watch of the same agent replaces the first, so an agent holds one stream at most.
 *
 * An agent evicted or banned through this server loses its watch at once ({@link EntryWatchHub.end}). One evicted
 * or banned through another server sharing the datastore is seen here as a node event of the entry cache: the
 * watch of every agent whose node changed (of every agent, after a full reload) is re-checked against the
 * datastore before it hears of that change, and ended when the agent is gone or banned.
 */
export class EntryWatchHub {
  private readonly watches = new Map<string, AgentWatch>();
  private readonly removeListener: () => void;
  /** The entry cache as the watches read it (its index is swapped on a full reload, so always read afresh). */
  private readonly view: AuthorizedView;

  constructor(
    cache: EntryCache,
    private readonly serverId: string,
    private readonly limits: WatchLimits,
    private readonly logger: PluginLogger,
    private readonly agentActive: AgentActiveCheck,
  ) {
    this.removeListener = cache.onChange((change) => this.entriesChanged(change));
    this.view = {
      authorizedEntries: (agentId) => cache.authorizedEntries(agentId),
      entry: (id) => cache.index.getEntry(id),
      childCount: (spiffeId) => cache.index.childCount(spiffeId),
      nowSeconds: () => cache.nowSeconds(),
    };
  }

  /** Number of open watches. */
  get size(): number {
    return this.watches.size;
  }

  /** Opens the watch of `agentId` (ending an older one) and sends the ready marker; returns a closer. */
  open(agentId: string, sink: WatchSink, mask: WireEntryMask | null): () => void {
    const old = this.watches.get(agentId);
    if (old !== undefined) {
      this.logger.debug('Entry watch replaced by a newer one', { agent_id: agentId });
      this.watches.delete(agentId);
      old.end();
    }
    const watch = new AgentWatch(agentId, this.serverId, sink, mask, this.limits, this.view);
    this.watches.set(agentId, watch);
    watch.ready();
    return () => {
      if (this.watches.get(agentId) === watch) this.watches.delete(agentId);
    };
  }

  /** Ends the watch of an agent that was evicted or banned: it hears of no more changes. */
  end(agentId: string): void {
    const watch = this.watches.get(agentId);
    if (watch === undefined) return;
    this.watches.delete(agentId);
    watch.end();
  }

  /** Tells every watching agent that the trust bundle changed. */
  bundleChanged(): void {
    for (const watch of this.watches.values()) watch.bundleChanged();
  }

  /** Ends every watch and stops listening to the cache (server shutdown). */
  close(): void {
    this.removeListener();
    for (const watch of this.watches.values()) watch.end();
    this.watches.clear();
  }

  private entriesChanged(change: EntryCacheChange): void {
    const recheck = change.reloaded
      ? new Set(this.watches.keys())
      : new Set([...change.agentIds].filter((id) => this.watches.has(id)));
    for (const watch of this.watches.values()) if (!recheck.has(watch.agentId)) this.push(watch, change);
    if (recheck.size > 0) void this.recheckThenPush(recheck, change);
  }

  private push(watch: AgentWatch, change: EntryCacheChange): void {
    try {
      if (watch.affectedBy(change, this.view.entry, this.serverId)) watch.entriesChanged(change);
    } catch (err) {
      this.logger.warn('Failed to push entry changes', {
        agent_id: watch.agentId,
        error: (err as Error).message,
      });
    }
  }

  /** One agent after the other: ends the watches of agents no longer active, pushes the change to the rest. */
  private async recheckThenPush(agentIds: ReadonlySet<string>, change: EntryCacheChange): Promise<void> {
    for (const agentId of agentIds) {
      const watch = this.watches.get(agentId);
      if (watch === undefined) continue;
      const active = await this.agentActive(agentId).catch((err: Error) => {
        this.logger.warn('Failed to check a watching agent', { agent_id: agentId, error: err.message });
        return true;
      });
      if (this.watches.get(agentId) !== watch) continue; // ended or replaced meanwhile
      if (active) {
        this.push(watch, change);
        continue;
      }
      this.logger.info('Entry watch ended: the agent is no longer attested or is banned', {
        agent_id: agentId,
      });
      this.end(agentId);
    }
  }
}
