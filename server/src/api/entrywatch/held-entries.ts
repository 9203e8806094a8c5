import type { RegistrationEntry } from '../../datastore/types';

/** What a watch reads of the server's entry cache to work out its agent's delta. */
export interface AuthorizedView {
  /** Every entry the agent may serve now (the full walk from the agent ID and its node aliases). */
  authorizedEntries(agentId: string): RegistrationEntry[];
  /** The entry with this ID as the cache holds it now. */
  entry(id: string): RegistrationEntry | undefined;
  /** Number of entries parented to `spiffeId`. */
  childCount(spiffeId: string): number;
  /** The cache's clock in unix seconds. */
  nowSeconds(): number;
}

/** Entries to send and IDs to withdraw. */
export interface EntryDelta {
  readonly upserted: RegistrationEntry[];
  readonly removed: string[];
}

/**
 * The entries one agent was last told about (as sent: their revision and SPIFFE ID), and the parent IDs they
 * make it authorized for (the agent ID and each held entry's SPIFFE ID, counted, as several entries may share
 * one). A delta is worked out either from a full walk of the agent's authorized entries, O(entries), or, when
 * every changed entry is a leaf outside node aliases, from the changed entries alone, O(change).
 */
export class HeldEntries {
  private held = new Map<string, RegistrationEntry>();
  private parentCounts = new Map<string, number>();

  constructor(
    private readonly agentId: string,
    private readonly serverId: string,
    private readonly view: AuthorizedView,
  ) {}

  /** True when the agent holds the entry with this ID. */
  has(id: string): boolean {
    return this.held.has(id);
  }

  /** True when entries parented to `id` are authorized for the agent (`id` is the agent or a held SPIFFE ID). */
  isParent(id: string): boolean {
    return id === this.agentId || this.parentCounts.has(id);
  }

  /** Replaces what is held with the full walk and returns the difference. */
  fullDelta(): EntryDelta {
    const current = this.view.authorizedEntries(this.agentId);
    const upserted = current.filter((e) => this.held.get(e.id)?.revisionNumber !== e.revisionNumber);
    const next = new Map(current.map((e) => [e.id, e]));
    const removed = [...this.held.keys()].filter((id) => !next.has(id));
    this.held = next;
    this.parentCounts = new Map();
    for (const entry of current) this.countParent(entry.spiffeId, 1);
    return { upserted, removed };
  }

  /**
   * The difference made by changes to the entries `ids` alone, or undefined when one of them (as held or as it
   * is now) is a node alias or the parent of some entry: its change may reach entries that did not change, and
   * only a full walk finds them. A leaf is authorized exactly when it has not expired and its parent is the
   * agent or a held entry's SPIFFE ID, and adding or dropping a leaf changes nothing else.
   */
  incrementalDelta(ids: Iterable<string>): EntryDelta | undefined {
    const changed: Array<[string, RegistrationEntry | undefined, RegistrationEntry | undefined]> = [];
    for (const id of ids) {
      const before = this.held.get(id);
      const now = this.view.entry(id);
      if (!this.isLeaf(before) || !this.isLeaf(now)) return undefined;
      changed.push([id, before, now]);
    }
    const nowSeconds = this.view.nowSeconds();
    const upserted: RegistrationEntry[] = [];
    const removed: string[] = [];
    for (const [id, before, now] of changed) {
      if (before !== undefined) this.release(before);
      const live = now !== undefined && (now.expiresAt === 0 || now.expiresAt >= nowSeconds);
      if (live && this.isParent(now.parentId)) {
        if (before?.revisionNumber !== now.revisionNumber) upserted.push(now);
        this.hold(now);
      } else if (before !== undefined) {
        removed.push(id);
      }
    }
    return { upserted, removed };
  }

  private isLeaf(entry: RegistrationEntry | undefined): boolean {
    return (
      entry === undefined || (entry.parentId !== this.serverId && this.view.childCount(entry.spiffeId) === 0)
    );
  }

  private hold(entry: RegistrationEntry): void {
    this.held.set(entry.id, entry);
    this.countParent(entry.spiffeId, 1);
  }

  private release(entry: RegistrationEntry): void {
    this.held.delete(entry.id);
    this.countParent(entry.spiffeId, -1);
  }

  private countParent(spiffeId: string, by: number): void {
    const count = (this.parentCounts.get(spiffeId) ?? 0) + by;
    if (count > 0) this.parentCounts.set(spiffeId, count);
    else this.parentCounts.delete(spiffeId);
  }
}
