/** SPIRE's authorized-entry cache gauges, set after every cache refresh. */
import type { Metrics } from '@lanyard/common';
import type { EntryCacheStats } from '../authorized-entries/entry-cache';

/** An `onUpdated` callback for the entry cache that sets SPIRE's `entry_*` and `node_*` cache gauges. */
export function entryCacheGauges(metrics: Metrics): (stats: EntryCacheStats) => void {
  return (stats) => {
    metrics.setGauge(['entry', 'entries_by_entryid_cache', 'count'], stats.entries);
    metrics.setGauge(['entry', 'nodealiases_by_entryid_cache', 'count'], stats.aliasEntries);
    metrics.setGauge(['entry', 'nodealiases_by_selector_cache', 'count'], stats.aliasSelectors);
    metrics.setGauge(['entry', 'skipped_entry_event_ids', 'count'], stats.skippedEntryEvents);
    metrics.setGauge(['node', 'agents_by_id_cache', 'count'], stats.agents);
    metrics.setGauge(['node', 'skipped_node_event_ids', 'count'], stats.skippedNodeEvents);
  };
}
