import type { PluginLogger } from '@lanyard/attestor-core';
import type { DataStore } from './datastore';

/** SPIRE's default `experimental.prune_events_older_than`: 12 hours. */
export const DEFAULT_PRUNE_EVENTS_OLDER_THAN_MS = 12 * 3600_000;

/**
 * Deletes entry and node events created more than `olderThanMs` before `nowMs`, as SPIRE's events-based cache
 * does every half of that period, so the event tables do not grow forever. Returns how many went.
 */
export async function pruneOldEvents(
  datastore: DataStore,
  olderThanMs: number,
  nowMs: number,
  logger: PluginLogger,
): Promise<{ entry: number; node: number }> {
  const cutoffSeconds = Math.floor((nowMs - olderThanMs) / 1000);
  const pruned = await datastore.pruneEvents(cutoffSeconds);
  if (pruned.entry + pruned.node > 0) {
    logger.debug('Pruned old events', { entry_events: pruned.entry, node_events: pruned.node });
  }
  return pruned;
}
