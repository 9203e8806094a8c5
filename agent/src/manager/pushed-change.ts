/**
 * Applies a change pushed over EntryWatch in O(size of the change): the entries go into the identity cache
 * and the sync state, and SVIDs for the new or changed ones are signed at once. Anything the push does not
 * carry (the bundle, federated bundles of a new trust domain) is left to a sync, which the caller runs when
 * this returns `needsSync`; `-storeSVID` entries and a change too large to push need the entry list fetched.
 */
import type { PluginLogger } from '@lanyard/attestor-core';
import type { IdentityCache, WorkloadEntry } from './cache';
import type { ServerConnection } from '../client/server-connection';
import { toWorkloadEntry, type EntrySynchronizer } from './entry-sync';
import type { PushedChange } from './entry-watch';
import type { SvidSigner } from './svid-signer';
import type { AgentTelemetry } from '../telemetry';

/** What {@link applyPushedChange} works on. */
export interface PushTarget {
  readonly cache: IdentityCache;
  readonly entries: EntrySynchronizer;
  readonly signer: SvidSigner;
  readonly connection: ServerConnection;
  readonly logger: PluginLogger;
  readonly telemetry?: AgentTelemetry;
}

/** Result of {@link applyPushedChange}: whether a sync must follow, and whether it must fetch the entry list. */
export interface PushOutcome {
  readonly needsSync: boolean;
  /** The change was not applied (too large, or `-storeSVID` entries): only the full entry list has it. */
  readonly needsEntryList: boolean;
  /** SVIDs signed for the change. */
  readonly signed: number;
}

/** Applies `change`; resolves once the SVIDs of its new entries are in the cache. */
export async function applyPushedChange(target: PushTarget, change: PushedChange): Promise<PushOutcome> {
  if (change.resync) return { needsSync: true, needsEntryList: true, signed: 0 };
  const { cache, entries, logger } = target;
  const upserts = change.upserts.map(toWorkloadEntry);
  const storeInvolved =
    upserts.some((e) => e.storeSvid) || change.removedIds.some((id) => entries.get(id)?.storeSvid === true);
  if (storeInvolved) return { needsSync: true, needsEntryList: true, signed: 0 };
  entries.applyChanges(upserts, change.removedIds);
  const changes = cache.applyEntryChanges(upserts, change.removedIds);
  if (changes.added + changes.updated + changes.removed > 0) {
    logger.debug('Entry cache updated from a pushed change', { ...changes });
    target.telemetry?.entryChanges(changes);
  }
  const due = cache.entriesNeedingSvidsAmong(upserts);
  const signed = await target.signer.signEntries(target.connection.clients(), due);
  const missingFederation = upserts.some((e) =>
    e.federatesWith.some((td) => td !== cache.trustDomain && !cache.getFederatedBundle(td)),
  );
  return { needsSync: change.bundleChanged || missingFederation, needsEntryList: false, signed };
}

/**
 * Signs the SVIDs workloads wait for, entry by entry (no scan of the cache): requests arriving while a pass
 * runs join the next pass. `run` puts each pass in line with syncs and pushed changes.
 */
export class WantedSvids {
  private readonly wanted = new Map<string, WorkloadEntry>();
  private signing = false;

  constructor(
    private readonly target: Pick<PushTarget, 'cache' | 'signer' | 'connection'>,
    private readonly run: (task: () => Promise<void>) => Promise<void>,
    private readonly onFailure: () => void,
  ) {}

  /** Queues `entries` and starts a pass unless one is running. */
  add(entries: readonly WorkloadEntry[]): void {
    for (const entry of entries) this.wanted.set(entry.entryId, entry);
    if (this.signing) return;
    this.signing = true;
    const { cache, signer, connection } = this.target;
    void this.run(async () => {
      while (this.wanted.size > 0) {
        const batch = [...this.wanted.values()];
        this.wanted.clear();
        await signer.signEntries(connection.clients(), cache.entriesNeedingSvidsAmong(batch));
      }
    })
      .catch(() => this.onFailure())
      .finally(() => (this.signing = false));
  }
}
