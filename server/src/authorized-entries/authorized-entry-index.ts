import type { RegistrationEntry, Selector } from '../datastore/types';
import { ExpiryHeap } from './expiry-heap';
import { MultiMap } from './multi-map';
import { selectorKeys } from './selector-key';

/**
 * In-memory index of registration entries and node selectors answering "which entries may this agent serve"
 * without touching the datastore: parent → children, SPIFFE ID → entries, node-alias selector → alias entries,
 * agent → node selectors. Every mutation is O(size of the changed item). The maps hold the entry objects
 * themselves (no second lookup by ID), and a key with one entry holds it without a `Set`.
 */
export class AuthorizedEntryIndex {
  private readonly entries = new Map<string, RegistrationEntry>();
  private readonly byParent = new MultiMap<string, RegistrationEntry>();
  private readonly bySpiffeId = new MultiMap<string, RegistrationEntry>();
  /** Alias entries (parent = server ID) keyed by each of their selectors. */
  private readonly aliasesBySelector = new MultiMap<string, RegistrationEntry>();
  private readonly nodeSelectors = new Map<string, Set<string>>();
  private readonly expiry = new ExpiryHeap();

  /** @param serverId `spiffe://<td>/spire/server`: entries parented to it are node aliases. */
  constructor(private readonly serverId: string) {}

  /** Number of indexed entries. */
  get size(): number {
    return this.entries.size;
  }

  /** Sizes of the maps, for SPIRE's entry-cache gauges. */
  stats(): { entries: number; agents: number; aliasSelectors: number; aliasEntries: number } {
    return {
      entries: this.entries.size,
      agents: this.nodeSelectors.size,
      aliasSelectors: this.aliasesBySelector.keyCount,
      aliasEntries: this.byParent.count(this.serverId),
    };
  }

  /** Inserts or replaces an entry. */
  upsertEntry(entry: RegistrationEntry): void {
    this.removeEntry(entry.id);
    this.entries.set(entry.id, entry);
    this.expiry.add(entry);
    this.byParent.add(entry.parentId, entry);
    this.bySpiffeId.add(entry.spiffeId, entry);
    if (entry.parentId === this.serverId) {
      for (const key of selectorKeys(entry.selectors)) this.aliasesBySelector.add(key, entry);
    }
  }

  /** Removes an entry if present. */
  removeEntry(id: string): void {
    const old = this.entries.get(id);
    if (old === undefined) return;
    this.entries.delete(id);
    this.byParent.delete(old.parentId, old);
    this.bySpiffeId.delete(old.spiffeId, old);
    if (old.parentId === this.serverId) {
      for (const key of selectorKeys(old.selectors)) this.aliasesBySelector.delete(key, old);
    }
  }

  /** Replaces an agent's node selectors; an empty list forgets the agent. */
  setNodeSelectors(agentId: string, selectors: readonly Selector[]): void {
    if (selectors.length === 0) this.nodeSelectors.delete(agentId);
    else this.nodeSelectors.set(agentId, selectorKeys(selectors));
  }

  /**
   * IDs of the indexed entries that expired before unix second `now` since the last call: expiry is no
   * datastore event, so the cache reports these as changed for the watches to withdraw them.
   */
  takeExpired(now: number): string[] {
    return this.expiry.takeExpired(now, (e) => this.entries.get(e.id) === e).map((e) => e.id);
  }

  /** The entry with this ID, if indexed. */
  getEntry(id: string): RegistrationEntry | undefined {
    return this.entries.get(id);
  }

  /** Number of entries whose parent ID is `parentId` (0 when `parentId` is nobody's parent). */
  childCount(parentId: string): number {
    return this.byParent.count(parentId);
  }

  /** Entries whose SPIFFE ID is exactly `spiffeId` (used for admin/downstream caller checks). */
  entriesForSpiffeId(spiffeId: string): RegistrationEntry[] {
    return [...this.bySpiffeId.get(spiffeId)];
  }

  /**
   * Entries the agent may serve: entries parented to the agent ID, node-alias entries whose selectors are a
   * subset of the agent's node selectors, and, transitively, entries parented to any of those entries' IDs.
   * Entries with `expiresAt` in the past (unix seconds `now`) are skipped.
   */
  authorizedEntries(agentId: string, now: number): RegistrationEntry[] {
    const result: RegistrationEntry[] = [];
    const visitedIds = new Set<string>([agentId]);
    const seenEntries = new Set<string>();
    const queue: string[] = [agentId];
    const take = (entry: RegistrationEntry): void => {
      if (seenEntries.has(entry.id) || (entry.expiresAt !== 0 && entry.expiresAt < now)) return;
      seenEntries.add(entry.id);
      result.push(entry);
      if (!visitedIds.has(entry.spiffeId)) {
        visitedIds.add(entry.spiffeId);
        queue.push(entry.spiffeId);
      }
    };
    for (const alias of this.matchingAliases(agentId)) take(alias);
    for (let i = 0; i < queue.length; i++) {
      for (const child of this.byParent.get(queue[i] as string)) take(child);
    }
    return result;
  }

  /**
   * The entry with ID `entryId` when `agentId` may serve it (by the rules of {@link authorizedEntries}), found by
   * walking up from the entry through its parents: O(its ancestry), not O(every entry of the agent).
   */
  authorizedEntry(agentId: string, entryId: string, now: number): RegistrationEntry | undefined {
    const entry = this.entries.get(entryId);
    if (entry === undefined) return undefined;
    const aliases = new Set(this.matchingAliases(agentId));
    const reachable = new Map<string, boolean>();
    const authorized = (e: RegistrationEntry): boolean =>
      (e.expiresAt === 0 || e.expiresAt >= now) && (aliases.has(e) || parentReachable(e.parentId));
    const parentReachable = (parentId: string): boolean => {
      if (parentId === agentId) return true;
      const known = reachable.get(parentId);
      if (known !== undefined) return known;
      reachable.set(parentId, false); // a cycle back to this parent does not make it reachable
      for (const parent of this.bySpiffeId.get(parentId)) {
        if (authorized(parent)) {
          reachable.set(parentId, true);
          return true;
        }
      }
      return false;
    };
    return authorized(entry) ? entry : undefined;
  }

  /**
   * Direct children of `parentId` whose selectors are all among `selectors` (and not expired at unix seconds
   * `now`): the entries a caller attested under an attestor-style parent (managed workloads) may receive.
   */
  childrenMatching(parentId: string, selectors: readonly Selector[], now: number): RegistrationEntry[] {
    const held = selectorKeys(selectors);
    const matches: RegistrationEntry[] = [];
    for (const entry of this.byParent.get(parentId)) {
      if (entry.expiresAt !== 0 && entry.expiresAt < now) continue;
      const wanted = selectorKeys(entry.selectors);
      if (wanted.size > 0 && [...wanted].every((key) => held.has(key))) matches.push(entry);
    }
    return matches;
  }

  /** Alias entries whose selector set is a subset of the agent's node selectors. */
  private matchingAliases(agentId: string): RegistrationEntry[] {
    const keys = this.nodeSelectors.get(agentId);
    if (keys === undefined) return [];
    const hits = new Map<RegistrationEntry, number>();
    for (const key of keys) {
      for (const alias of this.aliasesBySelector.get(key)) hits.set(alias, (hits.get(alias) ?? 0) + 1);
    }
    const matches: RegistrationEntry[] = [];
    for (const [alias, count] of hits) {
      if (count === selectorKeys(alias.selectors).size) matches.push(alias);
    }
    return matches;
  }
}
