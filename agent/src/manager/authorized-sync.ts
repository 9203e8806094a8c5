/**
 * The entry-and-bundle part of the agent's periodic sync: the own and federated bundles every time, and the
 * entry list (SyncAuthorizedEntries, every entry's revision) only when the cache may have missed a change. While
 * the EntryWatch stream is up it carries every entry change, so a sync costs the bundles, not a transfer of all
 * entries; the list is still fetched when the stream (re)opens, when a pushed change could not be applied, when
 * no stream is up (SPIRE's poll), and every {@link FULL_ENTRY_SYNC_INTERVAL_MS} as a safety net.
 */
import type { PluginLogger } from '@lanyard/attestor-core';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { IdentityCache, WorkloadEntry } from './cache';
import type { AgentIdentity } from '../attestor/agent-identity';
import { refusal } from './agent-refusal';
import { fetchFederatedBundles, fetchOwnBundle, sameBundle, sameBundleList } from './bundle-fetch';
import { EntrySynchronizer } from './entry-sync';
import type { ServerClients } from '../client/server-connection';
import type { StoreCache } from './store/store-cache';
import type { AgentTelemetry } from '../telemetry';

/** How often the entry list is fetched in full even while the EntryWatch stream is up. */
export const FULL_ENTRY_SYNC_INTERVAL_MS = 10 * 60_000;

/** What {@link AuthorizedSync} writes into. */
export interface AuthorizedSyncTarget {
  readonly cache: IdentityCache;
  readonly storeCache: StoreCache;
  readonly identity: AgentIdentity;
  readonly logger: PluginLogger;
  readonly telemetry?: AgentTelemetry;
}

/** Keeps the agent's entries and bundles in step with the server. */
export class AuthorizedSync {
  /** Entries as last synced or pushed. */
  readonly entries = new EntrySynchronizer();
  private federated: SpiffeBundle[] = [];
  /** Bumped when the stream (re)opens: changes made while it was down reach the agent only by a list fetch. */
  private streamEpoch = 0;
  private stale = true;
  private lastList = 0;

  constructor(private readonly target: AuthorizedSyncTarget) {}

  /** The EntryWatch stream was (re)established: the next sync fetches the entry list. */
  streamReopened(): void {
    this.streamEpoch++;
    this.stale = true;
  }

  /** A pushed change could not be applied: the next sync fetches the entry list. */
  entryListStale(): void {
    this.stale = true;
  }

  /**
   * Fetches the bundles, and the entry list unless `streamHealthy` and nothing was missed, into the caches.
   * PermissionDenied or NotFound from the server is raised as the agent's own refusal (evicted or banned).
   */
  async sync(clients: ServerClients, streamHealthy: boolean): Promise<void> {
    const { cache, identity, logger } = this.target;
    const epoch = this.streamEpoch;
    const started = Date.now();
    const fetchList = this.stale || !streamHealthy || started - this.lastList >= FULL_ENTRY_SYNC_INTERVAL_MS;
    const entries = fetchList ? await refusal(this.entries.sync(clients)) : this.entries.all();
    const { bundle, tainted } = await refusal(fetchOwnBundle(clients));
    if (!sameBundle(cache.getBundle(), bundle)) cache.setBundle(bundle);
    if (!tainted.sameAs(cache.getTaintedAuthorities())) {
      cache.setTaintedAuthorities(tainted);
      if (tainted.authorities.length > 0) {
        logger.info('X.509 authorities are tainted; rotating the SVIDs they issued', {
          tainted_authorities: tainted.authorities.length,
        });
      }
    }
    identity.updateRoots(bundle.x509Authorities.map((cert) => cert.raw));
    const federates = new Set<string>();
    const storeEntries: WorkloadEntry[] = [];
    for (const entry of entries) {
      for (const td of entry.federatesWith) if (td !== cache.trustDomain) federates.add(td);
      if (entry.storeSvid) storeEntries.push(entry);
    }
    const federated = await fetchFederatedBundles(clients, [...federates].sort(), logger);
    if (!sameBundleList(this.federated, federated)) {
      cache.setFederatedBundles(federated);
      this.federated = federated;
    }
    if (fetchList) {
      const changes = cache.updateEntries(entries.filter((e) => e.storeSvid !== true));
      if (changes.added + changes.updated + changes.removed > 0) {
        logger.debug('Entry cache updated', { ...changes, entries: entries.length });
        this.target.telemetry?.entryChanges(changes);
      }
      this.lastList = started;
      if (epoch === this.streamEpoch) this.stale = false;
    }
    const federatedByName = new Map(federated.map((b) => [b.trustDomain.name, b]));
    this.target.storeCache.update(storeEntries, bundle, federatedByName, tainted);
  }
}
