import { sql, type Transaction } from 'kysely';
import { AlreadyExistsError, FailedPreconditionError, LanyardError } from '@lanyard/base';
import { SimilarEntryExistsError } from '../errors';
import type { CreateEntryResult, NewRegistrationEntry, RegistrationEntry } from '../types';
import { entryRow, prepareNewEntry } from './entry-codec';
import { hydrateEntries } from './entry-read';
import { isMysql } from './dialect';
import { recordEntryEvents } from './events';
import type { Database, Db, StoreContext } from './schema';
import { chunks } from '../../util/chunks';
import { isUniqueViolation, retryOnDeadlock } from './sql-errors';

/** IN-list and multi-row INSERT chunk sizes (well under both backends' parameter limits). */
const LOOKUP_CHUNK = 500;
const ENTRY_ROWS_CHUNK = 200;
const CHILD_ROWS_CHUNK = 1000;

/** A validated entry about to be inserted, with its position in the caller's batch. */
interface Pending {
  index: number;
  entry: RegistrationEntry;
  row: ReturnType<typeof entryRow>;
}

type Results = (CreateEntryResult | undefined)[];

/** Existing entries whose similarity key is among `keys`, keyed by similarity key. */
async function similarEntries(db: Db, keys: string[]): Promise<Map<string, RegistrationEntry>> {
  const out = new Map<string, RegistrationEntry>();
  for (const part of chunks([...new Set(keys)], LOOKUP_CHUNK)) {
    const rows = await db
      .selectFrom('registered_entries')
      .selectAll()
      .where('similarity_key', 'in', part)
      .execute();
    const entries = await hydrateEntries(db, rows);
    rows.forEach((r, i) => out.set(r.similarity_key, entries[i] as RegistrationEntry));
  }
  return out;
}

/** Which of `values` exist in `column` of `table` (entry IDs or bundle trust domains). */
async function existing(db: Db, kind: 'entry_id' | 'trust_domain', values: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (const part of chunks([...new Set(values)], LOOKUP_CHUNK)) {
    if (kind === 'entry_id') {
      const rows = await db
        .selectFrom('registered_entries')
        .select('entry_id')
        .where('entry_id', 'in', part)
        .execute();
      rows.forEach((r) => found.add(r.entry_id));
    } else {
      const rows = await db
        .selectFrom('bundles')
        .select('trust_domain')
        .where('trust_domain', 'in', part)
        .execute();
      rows.forEach((r) => found.add(r.trust_domain));
    }
  }
  return found;
}

/** Sets results for items that cannot be inserted; returns the ones that can, deduplicated within the batch. */
async function screen(db: Db, items: Pending[], results: Results): Promise<Pending[]> {
  const similar = await similarEntries(
    db,
    items.map((p) => p.row.similarity_key),
  );
  const takenIds = await existing(
    db,
    'entry_id',
    items.map((p) => p.entry.id),
  );
  const bundles = await existing(
    db,
    'trust_domain',
    items.flatMap((p) => p.entry.federatesWith),
  );
  const batchKeys = new Map<string, RegistrationEntry>();
  const batchIds = new Set<string>();
  const ok: Pending[] = [];
  for (const p of items) {
    const prior = similar.get(p.row.similarity_key) ?? batchKeys.get(p.row.similarity_key);
    const missing = p.entry.federatesWith.find((td) => !bundles.has(td));
    if (prior !== undefined) {
      results[p.index] = { ok: false, error: new SimilarEntryExistsError(prior), existing: prior };
    } else if (takenIds.has(p.entry.id) || batchIds.has(p.entry.id)) {
      results[p.index] = {
        ok: false,
        error: new AlreadyExistsError(`entry ID "${p.entry.id}" already exists`),
      };
    } else if (missing !== undefined) {
      results[p.index] = {
        ok: false,
        error: new FailedPreconditionError(`unable to find federated bundle "${missing}"`),
      };
    } else {
      batchKeys.set(p.row.similarity_key, p.entry);
      batchIds.add(p.entry.id);
      ok.push(p);
    }
  }
  return ok;
}

/**
 * Inserts entry rows and returns their row IDs: with `RETURNING`, or on MySQL (no RETURNING) by reading them
 * back by entry ID in the same transaction.
 */
async function insertEntryRows(db: Db, rows: Pending['row'][]): Promise<{ seq: number; entry_id: string }[]> {
  const insert = db.insertInto('registered_entries').values(rows);
  if (!isMysql(db)) return insert.returning(['seq', 'entry_id']).execute();
  await insert.execute();
  return db
    .selectFrom('registered_entries')
    .select(['seq', 'entry_id'])
    .where(
      'entry_id',
      'in',
      rows.map((r) => r.entry_id),
    )
    .execute();
}

/** Multi-row inserts of entries, their children and their events. */
async function insertAll(db: Db, items: Pending[], now: number): Promise<void> {
  const seqOf = new Map<string, number>();
  for (const part of chunks(items, ENTRY_ROWS_CHUNK)) {
    const rows = await insertEntryRows(
      db,
      part.map((p) => p.row),
    );
    rows.forEach((r) => seqOf.set(r.entry_id, Number(r.seq)));
  }
  await insertChildren(
    db,
    items.map((p) => [seqOf.get(p.entry.id) as number, p.entry]),
  );
  await recordEntryEvents(
    db,
    items.map((p) => p.entry.id),
    now,
  );
}

/** Inserts selector, DNS name and federation rows for entries given with their internal row IDs. */
export async function insertChildren(db: Db, entries: [number, RegistrationEntry][]): Promise<void> {
  const selectors = entries.flatMap(([seq, e]) =>
    e.selectors.map((s) => ({ entry_seq: seq, type: s.type, value: s.value, set_size: e.selectors.length })),
  );
  const dns = entries.flatMap(([seq, e]) =>
    e.dnsNames.map((name, position) => ({ entry_seq: seq, position, name })),
  );
  const feds = entries.flatMap(([seq, e]) =>
    e.federatesWith.map((trust_domain) => ({
      entry_seq: seq,
      trust_domain,
      set_size: e.federatesWith.length,
    })),
  );
  for (const part of chunks(selectors, CHILD_ROWS_CHUNK))
    await db.insertInto('entry_selectors').values(part).execute();
  for (const part of chunks(dns, CHILD_ROWS_CHUNK))
    await db.insertInto('entry_dns_names').values(part).execute();
  for (const part of chunks(feds, CHILD_ROWS_CHUNK))
    await db.insertInto('entry_federations').values(part).execute();
}

async function insertScreened(db: Db, items: Pending[], results: Results, now: number): Promise<void> {
  const ok = await screen(db, items, results);
  if (ok.length > 0) await insertAll(db, ok, now);
  for (const p of ok) results[p.index] = { ok: true, entry: p.entry };
}

/**
 * Slow path after a concurrent writer raced us to a unique key (Postgres): one savepoint per item; an
 * item that hits a unique violation is rolled back and screened again, now seeing the committed row.
 */
async function insertOneByOne(
  trx: Transaction<Database>,
  items: Pending[],
  results: Results,
  now: number,
): Promise<void> {
  for (const p of items) {
    await sql`savepoint lanyard_entry`.execute(trx);
    try {
      await insertScreened(trx, [p], results, now);
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
      await sql`rollback to savepoint lanyard_entry`.execute(trx);
      try {
        await insertScreened(trx, [p], results, now);
      } catch (again) {
        if (!isUniqueViolation(again)) throw again;
        await sql`rollback to savepoint lanyard_entry`.execute(trx);
        results[p.index] = { ok: false, error: new AlreadyExistsError('similar entry already exists') };
      }
    }
    await sql`release savepoint lanyard_entry`.execute(trx);
  }
}

/**
 * Creates entries in one transaction with per-item outcomes (BatchCreateEntry semantics): invalid items,
 * similar entries (returned as `existing`), taken IDs and missing federated bundles fail alone.
 */
export async function createEntries(
  ctx: StoreContext,
  inputs: readonly NewRegistrationEntry[],
): Promise<CreateEntryResult[]> {
  const now = ctx.nowSeconds();
  const results: Results = new Array<CreateEntryResult | undefined>(inputs.length);
  const pending: Pending[] = [];
  inputs.forEach((input, index) => {
    try {
      const entry = prepareNewEntry(input, now);
      pending.push({ index, entry, row: entryRow(entry) });
    } catch (err) {
      if (!(err instanceof LanyardError)) throw err;
      results[index] = { ok: false, error: err };
    }
  });
  if (pending.length === 0) return results as CreateEntryResult[];
  try {
    await retryOnDeadlock(() =>
      ctx.db.transaction().execute((trx) => insertScreened(trx, pending, results, now)),
    );
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    await retryOnDeadlock(() =>
      ctx.db.transaction().execute((trx) => insertOneByOne(trx, pending, results, now)),
    );
  }
  return results as CreateEntryResult[];
}
