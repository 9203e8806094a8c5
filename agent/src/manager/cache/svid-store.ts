import type { TaintedAuthorities } from './tainted';
import type { WorkloadEntry, X509SvidMaterial } from './types';

/**
 * X.509-SVIDs by entry ID in least-recently-used order (a Map re-inserted on use), with a soft size cap:
 * eviction skips entries that live subscribers still match.
 */
export class SvidStore {
  private readonly svids = new Map<string, X509SvidMaterial>();

  constructor(private readonly maxSize: number) {}

  get size(): number {
    return this.svids.size;
  }

  /** True when more SVIDs are held than the soft cap allows. */
  get isOverCap(): boolean {
    return this.svids.size > this.maxSize;
  }

  get(entryId: string): X509SvidMaterial | undefined {
    return this.svids.get(entryId);
  }

  /** Returns the SVID and marks it most recently used. */
  touch(entryId: string): X509SvidMaterial | undefined {
    const svid = this.svids.get(entryId);
    if (svid) {
      this.svids.delete(entryId);
      this.svids.set(entryId, svid);
    }
    return svid;
  }

  set(entryId: string, svid: X509SvidMaterial): void {
    this.svids.delete(entryId);
    this.svids.set(entryId, svid);
  }

  delete(entryId: string): void {
    this.svids.delete(entryId);
  }

  /** Drops every SVID whose NotAfter is at or before `now`; returns how many were dropped. */
  dropExpired(now: Date): number {
    let dropped = 0;
    for (const [entryId, svid] of this.svids) {
      if (svid.expiresAt.getTime() <= now.getTime()) {
        this.svids.delete(entryId);
        dropped++;
      }
    }
    return dropped;
  }

  /** Drops least recently used, unpinned SVIDs while over the cap. */
  evict(pinned: ReadonlySet<string>): void {
    let excess = this.svids.size - this.maxSize;
    if (excess <= 0) return;
    for (const entryId of [...this.svids.keys()]) {
      if (excess <= 0) break;
      if (pinned.has(entryId)) continue;
      this.svids.delete(entryId);
      excess--;
    }
  }

  /**
   * Of `ordered` (pinned entries first), those needing a new SVID: stale ones (older revision, past the renewal
   * point, or issued under a tainted authority) always, missing ones when pinned or while the cap leaves room
   * (prefetch), except entries with `disable_x509_svid_prefetch`, signed only once a subscriber pins them.
   */
  selectStale(
    ordered: readonly WorkloadEntry[],
    pinned: ReadonlySet<string>,
    now: Date,
    tainted: TaintedAuthorities,
  ): WorkloadEntry[] {
    const result: WorkloadEntry[] = [];
    let room = this.maxSize - this.svids.size;
    for (const entry of ordered) {
      const svid = this.svids.get(entry.entryId);
      if (svid) {
        if (
          svid.entryRevision !== entry.revision ||
          now.getTime() >= svid.renewAt.getTime() ||
          tainted.issued(svid.certChainDer)
        )
          result.push(entry);
      } else if (pinned.has(entry.entryId) || (room > 0 && !entry.disableX509SvidPrefetch)) {
        result.push(entry);
        room--;
      }
    }
    return result;
  }
}
