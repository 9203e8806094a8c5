import type { RegistrationEntry, Selector } from '../types';
import { ChildRuns } from './child-runs';
import { entryFromRow } from './entry-codec';
import { ENTRY_COLUMNS } from './entry-read';
import type { Db } from './schema';
import { StringInterner } from './string-interner';

/** Entries per page of the cache hydrate: bounds the rows held at once, big enough that query overhead is small. */
export const SCAN_PAGE_SIZE = 5000;

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareSelectors(a: Selector, b: Selector): number {
  return byCodeUnits(a.type, b.type) || byCodeUnits(a.value, b.value);
}

/** True when every element is ≤ the next by `compare` (the usual case: child rows come back in key order). */
function isSorted<T>(items: readonly T[], compare: (a: T, b: T) => number): boolean {
  for (let i = 1; i < items.length; i++) if (compare(items[i - 1] as T, items[i] as T) > 0) return false;
  return true;
}

/** Canonical order of the set-valued fields (the database's collation may differ from code-unit order). */
function sortSets(entry: RegistrationEntry): void {
  if (!isSorted(entry.selectors, compareSelectors)) entry.selectors.sort(compareSelectors);
  if (!isSorted(entry.federatesWith, byCodeUnits)) entry.federatesWith.sort(byCodeUnits);
}

/** Child rows of the entries with internal row IDs in (`afterSeq`, `lastSeq`], each table ordered by owner. */
async function readChildren(db: Db, afterSeq: number, lastSeq: number) {
  const selectors = await db
    .selectFrom('entry_selectors')
    .select(['entry_seq', 'type', 'value'])
    .where('entry_seq', '>', afterSeq)
    .where('entry_seq', '<=', lastSeq)
    .orderBy('entry_seq')
    .orderBy('type')
    .orderBy('value')
    .execute();
  const dnsNames = await db
    .selectFrom('entry_dns_names')
    .select(['entry_seq', 'name'])
    .where('entry_seq', '>', afterSeq)
    .where('entry_seq', '<=', lastSeq)
    .orderBy('entry_seq')
    .orderBy('position')
    .execute();
  const federations = await db
    .selectFrom('entry_federations')
    .select(['entry_seq', 'trust_domain'])
    .where('entry_seq', '>', afterSeq)
    .where('entry_seq', '<=', lastSeq)
    .orderBy('entry_seq')
    .orderBy('trust_domain')
    .execute();
  return {
    selectors: new ChildRuns(selectors),
    dnsNames: new ChildRuns(dnsNames),
    federations: new ChildRuns(federations),
  };
}

/**
 * One page: up to `pageSize` entries with internal row ID above `afterSeq`, complete with children (one range
 * query per child table, over each table's primary key prefix, merged with the entry rows in row ID order).
 */
async function readPage(
  db: Db,
  afterSeq: number,
  pageSize: number,
  intern: StringInterner,
): Promise<{ entries: RegistrationEntry[]; lastSeq: number }> {
  const rows = await db
    .selectFrom('registered_entries')
    .select(ENTRY_COLUMNS)
    .where('seq', '>', afterSeq)
    .orderBy('seq')
    .limit(pageSize)
    .execute();
  if (rows.length === 0) return { entries: [], lastSeq: afterSeq };
  const lastSeq = Number(rows[rows.length - 1]?.seq);
  const children = await readChildren(db, afterSeq, lastSeq);
  const toSelector = (s: { type: string; value: string }): Selector => ({
    type: intern.of(s.type),
    value: intern.of(s.value),
  });
  const toName = (d: { name: string }): string => d.name;
  const toTrustDomain = (f: { trust_domain: string }): string => intern.of(f.trust_domain);
  const entries = rows.map((row) => {
    const seq = Number(row.seq);
    const entry = entryFromRow(row, {
      selectors: children.selectors.take(seq, toSelector),
      dnsNames: children.dnsNames.take(seq, toName),
      federatesWith: children.federations.take(seq, toTrustDomain),
    });
    entry.parentId = intern.of(entry.parentId);
    entry.hint = intern.of(entry.hint);
    sortSets(entry);
    return entry;
  });
  return { entries, lastSeq };
}

/**
 * Every entry in creation order, handed to `onPage` a page at a time: each page is one entry query and one
 * range query per child table, so only one page of rows is held at once whatever the store's size. Strings
 * that repeat across entries (parent IDs, selector types and values, trust domains, hints) are shared between
 * the entries of the whole scan instead of copied per row.
 * @returns the number of entries read.
 */
export async function scanAllEntries(
  db: Db,
  onPage: (entries: RegistrationEntry[]) => void,
  pageSize = SCAN_PAGE_SIZE,
): Promise<number> {
  const intern = new StringInterner();
  let afterSeq = 0;
  let total = 0;
  for (;;) {
    const page = await readPage(db, afterSeq, pageSize, intern);
    if (page.entries.length > 0) onPage(page.entries);
    total += page.entries.length;
    if (page.entries.length < pageSize) return total;
    afterSeq = page.lastSeq;
  }
}
