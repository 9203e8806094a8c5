import type { Selector } from '@lanyard/attestor-core';
import { InvalidArgumentError, NotFoundError } from '@lanyard/base';
import { SpiffeBundleSet, type SpiffeBundle } from '@lanyard/spiffe';
import { EntryIndex, selectorKeys } from './entry-index';
import { SvidStore } from './svid-store';
import { TaintedAuthorities } from './tainted';
import { SubscriptionRecord, type Subscription, type UpdateListener } from './subscription';
import type { Identity, WorkloadEntry, WorkloadUpdate, X509SvidMaterial } from './types';

/** Options of {@link IdentityCache}. */
export interface IdentityCacheOptions {
  /** The agent's own trust domain name (no scheme). */
  readonly trustDomain: string;
  /** `x509_svid_cache_max_size`: soft cap on cached SVIDs; entries with subscribers are never evicted. */
  readonly x509SvidCacheMaxSize?: number;
}

/** What {@link IdentityCache.updateEntries} changed. */
export interface EntryChanges {
  readonly added: number;
  readonly updated: number;
  readonly removed: number;
}

/**
 * The agent's in-memory identity state, served by the Workload API and filled by the node side:
 * own bundle, federated bundles, authorised entries with their X.509-SVIDs (bounded LRU), and subscriptions
 * that push the complete view of a selector set whenever something it can see changes.
 *
 * @example
 * ```ts
 * const cache = new IdentityCache({ trustDomain: 'example.org' });
 * cache.setBundle(new SpiffeBundle({ trustDomain: TrustDomain.parse('example.org'), x509Authorities: [root] }));
 * cache.updateEntries(entriesFromSync);
 * for (const entry of cache.entriesNeedingSvids()) cache.setSvid(entry.entryId, await sign(entry));
 * const sub = cache.subscribe(callerSelectors, (update) => send(update));
 * ```
 */
export class IdentityCache {
  readonly trustDomain: string;
  private readonly index = new EntryIndex();
  private readonly svids: SvidStore;
  private readonly subscriptions = new Set<SubscriptionRecord>();
  private readonly wantedListeners = new Set<(entries: readonly WorkloadEntry[]) => void>();
  private bundle: SpiffeBundle | undefined;
  private federated = new Map<string, SpiffeBundle>();
  private bundleSet: SpiffeBundleSet | undefined;
  private tainted = TaintedAuthorities.NONE;
  private notifyScheduled = false;

  constructor(options: IdentityCacheOptions) {
    const max = options.x509SvidCacheMaxSize ?? 1000;
    if (!Number.isInteger(max) || max < 0) {
      throw new InvalidArgumentError('x509_svid_cache_max_size should not be negative', 'ERR_CACHE_SIZE');
    }
    this.trustDomain = options.trustDomain;
    this.svids = new SvidStore(max);
  }

  /** True once the own trust domain bundle is known (the agent has synced at least once). */
  isReady(): boolean {
    return this.bundle !== undefined;
  }

  /** The own trust domain bundle, if synced. */
  getBundle(): SpiffeBundle | undefined {
    return this.bundle;
  }

  /** Replaces the own trust domain bundle. */
  setBundle(bundle: SpiffeBundle): void {
    if (bundle.trustDomain.name !== this.trustDomain) {
      throw new InvalidArgumentError(
        `bundle trust domain "${bundle.trustDomain.name}" is not the agent's trust domain "${this.trustDomain}"`,
      );
    }
    this.bundle = bundle;
    this.bundleSet = undefined;
    this.scheduleNotify();
  }

  /** Replaces every federated bundle (trust domains absent from `bundles` are dropped). */
  setFederatedBundles(bundles: readonly SpiffeBundle[]): void {
    const next = new Map<string, SpiffeBundle>();
    for (const bundle of bundles) {
      if (bundle.trustDomain.name === this.trustDomain) {
        throw new InvalidArgumentError('federated bundles must not include the agent trust domain');
      }
      next.set(bundle.trustDomain.name, bundle);
    }
    this.federated = next;
    this.bundleSet = undefined;
    this.scheduleNotify();
  }

  /**
   * Replaces the own trust domain's tainted X.509 authorities: SVIDs issued under them become due for
   * replacement ({@link entriesNeedingSvids}) at once.
   */
  setTaintedAuthorities(tainted: TaintedAuthorities): void {
    this.tainted = tainted;
  }

  /** The own trust domain's tainted X.509 authorities (none until the server reports some). */
  getTaintedAuthorities(): TaintedAuthorities {
    return this.tainted;
  }

  /** Every federated bundle the agent holds, keyed by trust domain name (no scheme); treat it as read-only. */
  federatedBundles(): ReadonlyMap<string, SpiffeBundle> {
    return this.federated;
  }

  /** The federated bundle of a trust domain (name without scheme), if known. */
  getFederatedBundle(trustDomain: string): SpiffeBundle | undefined {
    return this.federated.get(trustDomain);
  }

  /**
   * Own plus every federated bundle the agent holds, as one X.509 and JWT bundle source (ValidateJWTSVID uses
   * it). Built once per change of the bundles; treat it as read-only.
   */
  allBundles(): SpiffeBundleSet {
    if (!this.bundleSet) {
      const set = new SpiffeBundleSet(this.federated.values());
      if (this.bundle) set.add(this.bundle);
      this.bundleSet = set;
    }
    return this.bundleSet;
  }

  /**
   * Replaces the set of authorised entries. SVIDs of removed entries are dropped; an entry whose SPIFFE ID
   * changed loses its SVID at once, other changes keep serving the old SVID until {@link setSvid} replaces it.
   */
  updateEntries(entries: readonly WorkloadEntry[]): EntryChanges {
    const incoming = new Map(entries.map((e) => [e.entryId, e]));
    const gone = [...this.index.values()].filter((old) => !incoming.has(old.entryId));
    return this.applyEntryChanges(
      incoming.values(),
      gone.map((e) => e.entryId),
    );
  }

  /**
   * Applies a change pushed by the server in O(size of the change): upserts replace or add entries (same SVID
   * rules as {@link updateEntries}), removed IDs drop the entry and its SVID; unknown removed IDs are ignored.
   */
  applyEntryChanges(upserts: Iterable<WorkloadEntry>, removedIds: Iterable<string>): EntryChanges {
    let removed = 0;
    for (const id of removedIds) {
      if (!this.index.remove(id)) continue;
      this.svids.delete(id);
      removed++;
    }
    let added = 0;
    let updated = 0;
    for (const entry of upserts) {
      const old = this.index.get(entry.entryId);
      if (old === undefined) added++;
      else if (!sameEntry(old, entry)) updated++;
      else continue;
      if (old && old.spiffeId !== entry.spiffeId) this.svids.delete(entry.entryId);
      this.index.put(entry);
    }
    if (added + updated + removed > 0) this.scheduleNotify();
    return { added, updated, removed };
  }

  /** Every entry held (insertion order). */
  entries(): WorkloadEntry[] {
    return [...this.index.values()];
  }

  /** Number of cached entries. */
  get entryCount(): number {
    return this.index.size;
  }

  /** Number of cached X.509-SVIDs. */
  get svidCount(): number {
    return this.svids.size;
  }

  /**
   * Stores the SVID issued for an entry, then evicts least recently used SVIDs of entries nobody is
   * subscribed to while the cache is over `x509_svid_cache_max_size`.
   * @throws NotFoundError when the entry is unknown (it was removed while the CSR was in flight).
   */
  setSvid(entryId: string, svid: X509SvidMaterial): void {
    if (!this.index.get(entryId)) throw new NotFoundError(`entry "${entryId}" is not in the cache`);
    this.svids.set(entryId, svid);
    // The pinned set costs O(subscribed entries); build it only when the cap is actually exceeded.
    if (this.svids.isOverCap) this.svids.evict(this.pinnedEntryIds());
    this.scheduleNotify();
  }

  /**
   * Drops SVIDs that have expired (e.g. while the server was unreachable), so no workload is handed an
   * expired certificate, and pushes the new view to subscribers. The sync loop calls it on every tick.
   * @returns how many SVIDs were dropped
   */
  dropExpiredSvids(now: Date = new Date()): number {
    const dropped = this.svids.dropExpired(now);
    if (dropped > 0) this.scheduleNotify();
    return dropped;
  }

  /** The SVID cached for an entry, if any. */
  getSvid(entryId: string): X509SvidMaterial | undefined {
    return this.svids.get(entryId);
  }

  /**
   * Entries that need a new SVID now: subscribed entries first, then others while the SVID cache has room.
   * An entry needs one when it has none, its SVID was issued for an older revision or under a tainted
   * authority, or is past its renewal point.
   */
  entriesNeedingSvids(now: Date = new Date()): WorkloadEntry[] {
    const pinned = this.pinnedEntryIds();
    const ordered = [...pinned].map((id) => this.index.get(id)).filter((e) => e !== undefined);
    for (const entry of this.index.values()) if (!pinned.has(entry.entryId)) ordered.push(entry);
    return this.svids.selectStale(ordered, pinned, now, this.tainted);
  }

  /** Of `entries` (held ones), those needing a new SVID now, by the rules of {@link entriesNeedingSvids}. */
  entriesNeedingSvidsAmong(entries: readonly WorkloadEntry[], now: Date = new Date()): WorkloadEntry[] {
    const pinned = this.pinnedEntryIds();
    const held = entries.filter((e) => this.index.get(e.entryId) === e);
    const ordered = [
      ...held.filter((e) => pinned.has(e.entryId)),
      ...held.filter((e) => !pinned.has(e.entryId)),
    ];
    return this.svids.selectStale(ordered, pinned, now, this.tainted);
  }

  /**
   * Registers a callback run with the entries a subscriber matches that have no SVID yet; returns a remover.
   */
  onSvidsWanted(listener: (entries: readonly WorkloadEntry[]) => void): () => void {
    this.wantedListeners.add(listener);
    return () => this.wantedListeners.delete(listener);
  }

  /** Number of live subscriptions (Workload API streams). */
  get subscriberCount(): number {
    return this.subscriptions.size;
  }

  /** One-shot view for a selector set (unary RPCs). */
  match(selectors: readonly Selector[]): WorkloadUpdate {
    return this.view(selectorKeys(selectors));
  }

  /**
   * Subscribes a selector set: `listener` receives the complete view (asynchronously, coalesced) after every
   * change of entries, SVIDs or bundles. Call `current()` for the initial view and `unsubscribe()` when done.
   */
  subscribe(selectors: readonly Selector[], listener: UpdateListener): Subscription {
    const record = new SubscriptionRecord(
      selectors,
      listener,
      (r) => this.computeFor(r),
      (r) => this.subscriptions.delete(r),
    );
    this.subscriptions.add(record);
    return record;
  }

  private computeFor(record: SubscriptionRecord): WorkloadUpdate {
    const update = this.view(record.selectorKeys);
    record.matchedEntryIds = new Set(update.entries.map((e) => e.entryId));
    if (update.identities.length < update.entries.length) {
      const served = new Set(update.identities.map((i) => i.entry.entryId));
      this.signalWanted(update.entries.filter((e) => !served.has(e.entryId)));
    }
    return update;
  }

  private view(keys: ReadonlySet<string>): WorkloadUpdate {
    const entries = this.index.match(keys);
    const identities: Identity[] = [];
    const federatedBundles = new Map<string, SpiffeBundle>();
    const now = Date.now();
    for (const entry of entries) {
      const svid = this.svids.touch(entry.entryId);
      if (svid && svid.expiresAt.getTime() > now) identities.push({ entry, svid });
      for (const td of entry.federatesWith) {
        const bundle = this.federated.get(td);
        if (bundle) federatedBundles.set(td, bundle);
      }
    }
    return { entries, identities, bundle: this.bundle, federatedBundles };
  }

  private pinnedEntryIds(): Set<string> {
    const pinned = new Set<string>();
    for (const record of this.subscriptions) for (const id of record.matchedEntryIds) pinned.add(id);
    return pinned;
  }

  private signalWanted(entries: readonly WorkloadEntry[]): void {
    for (const listener of this.wantedListeners) listener(entries);
  }

  private scheduleNotify(): void {
    if (this.notifyScheduled) return;
    this.notifyScheduled = true;
    queueMicrotask(() => {
      this.notifyScheduled = false;
      for (const record of [...this.subscriptions]) {
        if (record.active) record.listener(this.computeFor(record));
      }
    });
  }
}

function sameEntry(a: WorkloadEntry, b: WorkloadEntry): boolean {
  return (
    a.revision === b.revision &&
    a.spiffeId === b.spiffeId &&
    a.hint === b.hint &&
    a.createdAt === b.createdAt &&
    a.admin === b.admin &&
    a.downstream === b.downstream &&
    a.selectors.length === b.selectors.length &&
    a.selectors.every((s, i) => s.type === b.selectors[i].type && s.value === b.selectors[i].value) &&
    a.federatesWith.join('\n') === b.federatesWith.join('\n')
  );
}
