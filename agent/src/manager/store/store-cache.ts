/**
 * The agent's cache of entries created with `-storeSVID` (SPIRE's `storecache`): kept apart from the identity
 * cache, so their SVIDs are never served over the Workload API. Each record counts revisions: a new or changed
 * entry, a new SVID, or a change of a bundle it carries bumps the revision, and the store service pushes every
 * record whose revision it has not handled yet. A removed entry stays as a tombstone until its secret is deleted.
 */
import type { X509Certificate } from 'node:crypto';
import { NotFoundError } from '@lanyard/base';
import type { SpiffeBundle } from '@lanyard/spiffe';
import { TaintedAuthorities, type WorkloadEntry, type X509SvidMaterial } from '../cache';
import { sameBundle } from '../bundle-fetch';

interface CachedRecord {
  /** The current entry; undefined once removed from the server (waiting for the secret's deletion). */
  entry: WorkloadEntry | undefined;
  /** The entry as last pushed to (or removed from) the store. */
  handledEntry: WorkloadEntry | undefined;
  svid: X509SvidMaterial | undefined;
  revision: number;
  handled: number;
}

/** A record the store service has to push or delete. */
export interface StoreRecord {
  readonly entryId: string;
  /** Undefined when the entry was removed: the stored SVID of {@link handledEntry} must be deleted. */
  readonly entry: WorkloadEntry | undefined;
  readonly handledEntry: WorkloadEntry | undefined;
  readonly svid: X509SvidMaterial | undefined;
  readonly revision: number;
}

/** Entries to store, their SVIDs and the bundles their secrets carry. */
export class StoreCache {
  private readonly records = new Map<string, CachedRecord>();
  private bundle: SpiffeBundle | undefined;
  private federated = new Map<string, SpiffeBundle>();
  private tainted = TaintedAuthorities.NONE;

  /** Number of entries held (tombstones included), for `debug getinfo`. */
  get size(): number {
    return this.records.size;
  }

  /**
   * Replaces the stored entries and bundles after a sync (`federated` keyed by trust domain name, no scheme).
   * Records whose entry, own bundle or federated bundles changed get a new revision.
   */
  update(
    entries: readonly WorkloadEntry[],
    bundle: SpiffeBundle,
    federated: ReadonlyMap<string, SpiffeBundle>,
    tainted: TaintedAuthorities,
  ): void {
    const ownChanged = !sameBundle(this.bundle, bundle);
    const changedTds = new Set<string>();
    for (const td of new Set([...this.federated.keys(), ...federated.keys()])) {
      const before = this.federated.get(td);
      const after = federated.get(td);
      if (after === undefined || !sameBundle(before, after)) changedTds.add(td);
    }
    this.bundle = bundle;
    this.federated = new Map(federated);
    this.tainted = tainted;
    const wanted = new Map(entries.map((e) => [e.entryId, e]));
    for (const [id, record] of this.records) {
      if (wanted.has(id) || record.entry === undefined) continue;
      record.handledEntry = record.entry;
      record.entry = undefined;
      record.svid = undefined;
      record.revision++;
    }
    for (const entry of entries) {
      const record = this.records.get(entry.entryId);
      if (record === undefined || record.entry === undefined) {
        this.records.set(entry.entryId, {
          entry,
          handledEntry: record?.handledEntry,
          svid: undefined,
          revision: (record?.revision ?? 0) + 1,
          handled: record?.handled ?? 0,
        });
        continue;
      }
      const changed =
        record.entry.revision !== entry.revision ||
        ownChanged ||
        entry.federatesWith.some((td) => changedTds.has(td));
      record.entry = entry;
      if (changed) record.revision++;
    }
  }

  /** Entries whose SVID is missing, for an older revision, past its renewal point or issued by a tainted CA. */
  entriesNeedingSvids(now: Date = new Date()): WorkloadEntry[] {
    const due: WorkloadEntry[] = [];
    for (const { entry, svid } of this.records.values()) {
      if (entry === undefined) continue;
      if (
        svid === undefined ||
        svid.entryRevision !== entry.revision ||
        now.getTime() >= svid.renewAt.getTime() ||
        this.tainted.issued(svid.certChainDer)
      )
        due.push(entry);
    }
    return due.sort((a, b) => (a.entryId < b.entryId ? -1 : 1));
  }

  /**
   * Records a new SVID for an entry (a new revision to store).
   * @throws NotFoundError when the entry is no longer cached.
   */
  setSvid(entryId: string, svid: X509SvidMaterial): void {
    const record = this.records.get(entryId);
    if (record?.entry === undefined) {
      throw new NotFoundError(`no stored entry ${entryId}`, 'ERR_ENTRY_NOT_FOUND');
    }
    record.svid = svid;
    record.revision++;
  }

  /** Records with a revision the store service has not handled, by entry ID. */
  readyToStore(): StoreRecord[] {
    const out: StoreRecord[] = [];
    for (const [entryId, r] of this.records) {
      if (r.revision > r.handled) {
        out.push({
          entryId,
          entry: r.entry,
          handledEntry: r.handledEntry,
          svid: r.svid,
          revision: r.revision,
        });
      }
    }
    return out.sort((a, b) => (a.entryId < b.entryId ? -1 : 1));
  }

  /** Marks `revision` of a record as pushed (or its secret deleted); a handled tombstone is dropped. */
  handled(entryId: string, revision: number): void {
    const record = this.records.get(entryId);
    if (record === undefined) return;
    record.handled = Math.max(record.handled, revision);
    if (record.entry !== undefined) record.handledEntry = record.entry;
    else if (record.handled >= record.revision) this.records.delete(entryId);
  }

  /** X.509 authorities of the own trust domain (none before the first sync). */
  ownAuthorities(): readonly X509Certificate[] {
    return this.bundle?.x509Authorities ?? [];
  }

  /** X.509 authorities of a federated trust domain (name without scheme), if its bundle is known. */
  federatedAuthorities(trustDomain: string): readonly X509Certificate[] | undefined {
    return this.federated.get(trustDomain)?.x509Authorities;
  }
}
