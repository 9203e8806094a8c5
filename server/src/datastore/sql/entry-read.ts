import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import type { EntryFilter, Page, PageRequest, RegistrationEntry } from '../types';
import { entryFromRow } from './entry-codec';
import { decodeIntCursor, finishPage, pageSizeOf } from './paging';
import { isMysql } from './dialect';
import type { Database, Db } from './schema';
import { ENTRY_FEDERATIONS, ENTRY_SELECTORS, setMatch } from './set-match';
import { chunks } from '../../util/chunks';

/** Entries per `IN (…)` list when loading children of an explicit set of rows. */
const IN_CHUNK = 500;
const PAGE_KIND = 'entries';

/** Columns of `registered_entries` an entry is built from. */
export const ENTRY_COLUMNS = [
  'seq',
  'entry_id',
  'spiffe_id',
  'parent_id',
  'x509_svid_ttl',
  'jwt_svid_ttl',
  'admin',
  'downstream',
  'store_svid',
  'expires_at',
  'revision_number',
  'hint',
  'jwt_svid_include_jti',
  'disable_x509_svid_prefetch',
  'created_at',
] as const;

type EntryEb = ExpressionBuilder<Database, 'registered_entries'>;

function byCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** SQL conditions for every given filter (AND-ed by the caller); `mysql` picks the set-match spelling. */
export function entryConditions(eb: EntryEb, f: EntryFilter, mysql: boolean): Expression<SqlBool>[] {
  const conds: Expression<SqlBool>[] = [];
  if (f.spiffeId !== undefined) conds.push(eb('registered_entries.spiffe_id', '=', f.spiffeId));
  if (f.parentId !== undefined) conds.push(eb('registered_entries.parent_id', '=', f.parentId));
  if (f.hint !== undefined) conds.push(eb('registered_entries.hint', '=', f.hint));
  if (f.downstream !== undefined) conds.push(eb('registered_entries.downstream', '=', f.downstream ? 1 : 0));
  if (f.selectors !== undefined) {
    const members = f.selectors.selectors.map((s) => [s.type, s.value]);
    conds.push(setMatch(ENTRY_SELECTORS, 'registered_entries.seq', members, f.selectors.match, mysql));
  }
  if (f.federatesWith !== undefined) {
    const members = f.federatesWith.trustDomains.map((td) => [td]);
    conds.push(setMatch(ENTRY_FEDERATIONS, 'registered_entries.seq', members, f.federatesWith.match, mysql));
  }
  return conds;
}

type EntryRowWithSeq = Parameters<typeof entryFromRow>[0] & { seq: number };

/**
 * Turns entry rows into full entries with three set-based child queries (selectors, DNS names,
 * federated trust domains). With `all`, children are read without a WHERE (the cache hydrate).
 */
export async function hydrateEntries(
  db: Db,
  rows: EntryRowWithSeq[],
  all = false,
): Promise<RegistrationEntry[]> {
  const bySeq = new Map<number, RegistrationEntry>();
  const entries = rows.map((r) => {
    const e = entryFromRow(r);
    bySeq.set(Number(r.seq), e);
    return e;
  });
  if (entries.length === 0) return entries;
  const seqLists = all ? [undefined] : chunks([...bySeq.keys()], IN_CHUNK);
  for (const seqs of seqLists) {
    let sel = db.selectFrom('entry_selectors').select(['entry_seq', 'type', 'value']);
    let dns = db
      .selectFrom('entry_dns_names')
      .select(['entry_seq', 'name'])
      .orderBy('entry_seq')
      .orderBy('position');
    let fed = db.selectFrom('entry_federations').select(['entry_seq', 'trust_domain']);
    if (seqs !== undefined) {
      sel = sel.where('entry_seq', 'in', seqs);
      dns = dns.where('entry_seq', 'in', seqs);
      fed = fed.where('entry_seq', 'in', seqs);
    }
    for (const s of await sel.execute())
      bySeq.get(Number(s.entry_seq))?.selectors.push({ type: s.type, value: s.value });
    for (const d of await dns.execute()) bySeq.get(Number(d.entry_seq))?.dnsNames.push(d.name);
    for (const f of await fed.execute()) bySeq.get(Number(f.entry_seq))?.federatesWith.push(f.trust_domain);
  }
  for (const e of entries) {
    if (e.selectors.length > 1)
      e.selectors.sort((a, b) => byCodeUnits(a.type, b.type) || byCodeUnits(a.value, b.value));
    if (e.federatesWith.length > 1) e.federatesWith.sort(byCodeUnits);
  }
  return entries;
}

/** The entry with this ID, or undefined. */
export async function getEntry(db: Db, id: string): Promise<RegistrationEntry | undefined> {
  const rows = await db
    .selectFrom('registered_entries')
    .select(ENTRY_COLUMNS)
    .where('entry_id', '=', id)
    .execute();
  return (await hydrateEntries(db, rows))[0];
}

/** The entries that exist among `ids`, keyed by ID. */
export async function getEntries(db: Db, ids: readonly string[]): Promise<Map<string, RegistrationEntry>> {
  const out = new Map<string, RegistrationEntry>();
  for (const part of chunks([...new Set(ids)], IN_CHUNK)) {
    const rows = await db
      .selectFrom('registered_entries')
      .select(ENTRY_COLUMNS)
      .where('entry_id', 'in', part)
      .execute();
    for (const e of await hydrateEntries(db, rows)) out.set(e.id, e);
  }
  return out;
}

/** Entries matching the filter, ordered by creation (internal row ID), paged. */
export async function listEntries(
  db: Db,
  filter: EntryFilter,
  page?: PageRequest,
): Promise<Page<RegistrationEntry>> {
  const size = pageSizeOf(page);
  const after = decodeIntCursor(PAGE_KIND, page?.pageToken);
  let query = db
    .selectFrom('registered_entries')
    .select(ENTRY_COLUMNS)
    .where((eb) => {
      const conds = entryConditions(eb, filter, isMysql(db));
      if (after !== undefined) conds.push(eb('registered_entries.seq', '>', after));
      return eb.and(conds);
    })
    .orderBy('seq');
  if (size > 0) query = query.limit(size + 1);
  const { rows, nextPageToken } = finishPage(await query.execute(), size, PAGE_KIND, (r) => Number(r.seq));
  const everything = size === 0 && after === undefined && Object.values(filter).every((v) => v === undefined);
  return { items: await hydrateEntries(db, rows, everything), nextPageToken };
}

/** Number of entries matching the filter. */
export async function countEntries(db: Db, filter: EntryFilter): Promise<number> {
  const row = await db
    .selectFrom('registered_entries')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.and(entryConditions(eb, filter, isMysql(db))))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Internal row ID and similarity key of entries by ID (for writes). */
export async function entryKeys(
  db: Db,
  id: string,
): Promise<{ seq: number; similarity_key: string } | undefined> {
  const row = await db
    .selectFrom('registered_entries')
    .select(['seq', 'similarity_key'])
    .where('entry_id', '=', id)
    .executeTakeFirst();
  return row === undefined ? undefined : { seq: Number(row.seq), similarity_key: row.similarity_key };
}
