import type { PluginLogger } from '@lanyard/attestor-core';
import type { EntryCache, EntryCacheChange } from '../../authorized-entries/entry-cache';
import type { WireEntryMask } from '../wire';
import { AgentWatch, type WatchLimits, type WatchSink } from './agent-watch';
import type { AuthorizedView } from './held-entries';

/** Default bound of a pushed change: above it the agent runs its paged SyncAuthorizedEntries instead. */
export const DEFAULT_MAX_PUSHED_ENTRIES = 5000;

/**
 * The server's open `lanyard.agent.v1.EntryWatch` streams, one per agent: after every entry-cache refresh that
 * changed something, the watches it may concern compute their agent's delta and push it; a bundle change is
 * announced to all. A second watch of the same agent replaces the first, so an agent holds one stream at most.
 */
export class EntryWatchHub {
  private readonly watches = new Map<string, AgentWatch>();
  private readonly removeListener: () => void;
  /** The entry cache as the watches read it (its index is swapped on a full reload, so always read afresh). */
  private readonly view: AuthorizedView;

  constructor(
    private readonly cache: EntryCache,
    private readonly serverId: string,
    private readonly limits: WatchLimits,
    private readonly logger: PluginLogger,
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
    const lookup = (id: string) => this.cache.index.getEntry(id);
    for (const watch of this.watches.values()) {
      try {
        if (watch.affectedBy(change, lookup, this.serverId)) watch.entriesChanged(change);
      } catch (err) {
        this.logger.warn('Failed to push entry changes', {
          agent_id: watch.agentId,
          error: (err as Error).message,
        });
      }
    }
  }
}
