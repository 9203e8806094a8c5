import { formatSelector, type Selector } from '@lanyard/attestor-core';
import type { WorkloadEntry } from './types';

/**
 * Entries by ID plus a selector → entry IDs index, so matching a caller costs a few map lookups
 * instead of a scan over every entry.
 */
export class EntryIndex {
  private readonly byId = new Map<string, WorkloadEntry>();
  /** Selector key → the one entry ID that has it, or a Set once several do (most selectors are unique). */
  private readonly bySelector = new Map<string, string | Set<string>>();

  /** Number of entries held. */
  get size(): number {
    return this.byId.size;
  }

  /** The entry with this ID, if any. */
  get(entryId: string): WorkloadEntry | undefined {
    return this.byId.get(entryId);
  }

  /** All entries (insertion order). */
  values(): IterableIterator<WorkloadEntry> {
    return this.byId.values();
  }

  /** Adds or replaces an entry. */
  put(entry: WorkloadEntry): void {
    this.remove(entry.entryId);
    this.byId.set(entry.entryId, entry);
    for (const selector of entry.selectors) {
      const key = formatSelector(selector);
      const ids = this.bySelector.get(key);
      if (ids === undefined) this.bySelector.set(key, entry.entryId);
      else if (typeof ids === 'string') this.bySelector.set(key, new Set([ids, entry.entryId]));
      else ids.add(entry.entryId);
    }
  }

  /** Removes an entry; returns whether it existed. */
  remove(entryId: string): boolean {
    const old = this.byId.get(entryId);
    if (!old) return false;
    this.byId.delete(entryId);
    for (const selector of old.selectors) {
      const key = formatSelector(selector);
      const ids = this.bySelector.get(key);
      if (ids === entryId) this.bySelector.delete(key);
      else if (typeof ids === 'object') {
        ids.delete(entryId);
        if (ids.size === 1) this.bySelector.set(key, ids.values().next().value as string);
      }
    }
    return true;
  }

  /**
   * Entries whose selectors are all among `callerSelectors` (SPIRE's subset match), ordered by entry ID,
   * with entries repeating a non-empty hint dropped (the oldest entry, then the smaller ID, wins).
   * Entries without selectors never match.
   */
  match(callerSelectors: ReadonlySet<string>): WorkloadEntry[] {
    const candidates = new Set<string>();
    for (const key of callerSelectors) {
      const ids = this.bySelector.get(key);
      if (typeof ids === 'string') candidates.add(ids);
      else if (ids) for (const id of ids) candidates.add(id);
    }
    const matched: WorkloadEntry[] = [];
    for (const id of candidates) {
      const entry = this.byId.get(id);
      if (entry && entry.selectors.every((s) => callerSelectors.has(formatSelector(s)))) matched.push(entry);
    }
    return dropDuplicateHints(matched).sort((a, b) => compareIds(a.entryId, b.entryId));
  }
}

function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Keeps, for every non-empty hint, only the oldest entry (tie: smaller entry ID). */
export function dropDuplicateHints(entries: readonly WorkloadEntry[]): WorkloadEntry[] {
  const winners = new Map<string, WorkloadEntry>();
  for (const entry of entries) {
    if (entry.hint === '') continue;
    const current = winners.get(entry.hint);
    if (!current || isOlder(entry, current)) winners.set(entry.hint, entry);
  }
  return entries.filter((e) => e.hint === '' || winners.get(e.hint) === e);
}

function isOlder(a: WorkloadEntry, b: WorkloadEntry): boolean {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt;
  return a.entryId < b.entryId;
}

/** Turns selectors into the `type:value` strings the index keys on. */
export function selectorKeys(selectors: readonly Selector[]): Set<string> {
  return new Set(selectors.map(formatSelector));
}
