import { sql } from 'kysely';
import { AlreadyExistsError, FailedPreconditionError, InternalError, NotFoundError } from '@lanyard/base';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { BundleDeleteMode, BundleMask, Page, PageRequest } from '../types';
import { type StoredBundle, bundleRow, mergeAuthorities, storedFromRow } from './bundle-codec';
import { isMysql } from './dialect';
import { recordEntryEvents } from './events';
import { decodePageToken, finishPage, pageSizeOf } from './paging';
import type { BundleTable, Db, StoreContext } from './schema';
import { spiffeFromStored, storedFromSpiffe } from './spiffe-codec';
import { chunks } from '../../util/chunks';
import { isUniqueViolation } from './sql-errors';

const PAGE_KIND = 'bundles';
/** Attempts of an optimistic read-modify-write before giving up (only under heavy contention). */
const MAX_ATTEMPTS = 8;
const IN_CHUNK = 500;

/** Bound of {@link decoded}: trust domains whose last decoded bundle is kept. */
const MAX_DECODED = 1024;
/**
 * The last bundle decoded per trust domain with the row it came from, shared by every store of the process: a
 * read that finds the same row returns the same (immutable) bundle instead of decoding the JSON again (every
 * agent's GetBundle reads it once per sync).
 */
const decoded = new Map<string, { row: BundleTable; bundle: SpiffeBundle }>();

/** The bundle of `row`, decoded once per distinct row content. */
function bundleOfRow(row: BundleTable): SpiffeBundle {
  const last = decoded.get(row.trust_domain);
  if (
    last !== undefined &&
    last.row.authorities === row.authorities &&
    Number(last.row.refresh_hint) === Number(row.refresh_hint) &&
    Number(last.row.sequence_number) === Number(row.sequence_number)
  ) {
    return last.bundle;
  }
  const bundle = spiffeFromStored(storedFromRow(row));
  if (decoded.size >= MAX_DECODED) decoded.clear();
  decoded.set(row.trust_domain, { row, bundle });
  return bundle;
}

/** The stored bundle, or undefined. */
export async function getBundle(db: Db, trustDomain: string): Promise<SpiffeBundle | undefined> {
  const row = await db
    .selectFrom('bundles')
    .selectAll()
    .where('trust_domain', '=', trustDomain)
    .executeTakeFirst();
  return row === undefined ? undefined : bundleOfRow(row);
}

/** Inserts a new stored bundle. @throws AlreadyExistsError. */
async function insertStored(db: Db, stored: StoredBundle): Promise<StoredBundle> {
  try {
    await db.insertInto('bundles').values(bundleRow(stored)).execute();
  } catch (err) {
    if (isUniqueViolation(err)) throw new AlreadyExistsError('bundle already exists');
    throw err;
  }
  return stored;
}

/** Inserts a new bundle. @throws AlreadyExistsError. */
export async function createBundle(db: Db, bundle: SpiffeBundle): Promise<SpiffeBundle> {
  await insertStored(db, storedFromSpiffe(bundle));
  return bundle;
}

/** Creates or replaces the bundle. */
export async function setBundle(db: Db, bundle: SpiffeBundle): Promise<SpiffeBundle> {
  const row = bundleRow(storedFromSpiffe(bundle));
  const update = {
    authorities: row.authorities,
    refresh_hint: row.refresh_hint,
    sequence_number: row.sequence_number,
  };
  const insert = db.insertInto('bundles').values(row);
  await (
    isMysql(db)
      ? insert.onDuplicateKeyUpdate(update)
      : insert.onConflict((oc) => oc.column('trust_domain').doUpdateSet(update))
  ).execute();
  return bundle;
}

/** Bundles ordered by trust domain, paged. */
export async function listBundles(db: Db, page?: PageRequest): Promise<Page<SpiffeBundle>> {
  const size = pageSizeOf(page);
  const after = decodePageToken(PAGE_KIND, page?.pageToken);
  let query = db.selectFrom('bundles').selectAll().orderBy('trust_domain');
  if (after !== undefined) query = query.where('trust_domain', '>', after);
  if (size > 0) query = query.limit(size + 1);
  const { rows, nextPageToken } = finishPage(await query.execute(), size, PAGE_KIND, (r) => r.trust_domain);
  return { items: rows.map((r) => spiffeFromStored(storedFromRow(r))), nextPageToken };
}

/** Number of stored bundles. */
export async function countBundles(db: Db): Promise<number> {
  const row = await db
    .selectFrom('bundles')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Writes `next` only if the row still holds `seen` (compare-and-set); true on success. */
async function compareAndSet(db: Db, seen: BundleTable, next: StoredBundle): Promise<boolean> {
  const row = bundleRow(next);
  const res = await db
    .updateTable('bundles')
    .set({
      authorities: row.authorities,
      refresh_hint: row.refresh_hint,
      sequence_number: row.sequence_number,
    })
    .where('trust_domain', '=', seen.trust_domain)
    .where('authorities', '=', seen.authorities)
    .where('refresh_hint', '=', seen.refresh_hint)
    .where('sequence_number', '=', seen.sequence_number)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/**
 * Optimistic read-modify-write of one bundle, safe against concurrent writers on both backends.
 * `change` returns the new bundle or undefined for "no change"; `initial` is stored when the bundle is absent.
 * @throws NotFoundError when absent and no `initial`.
 */
export async function mutateBundle(
  db: Db,
  trustDomain: string,
  change: (current: StoredBundle) => StoredBundle | undefined,
  initial?: StoredBundle,
): Promise<StoredBundle> {
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const seen = await db
      .selectFrom('bundles')
      .selectAll()
      .where('trust_domain', '=', trustDomain)
      .executeTakeFirst();
    if (seen === undefined) {
      if (initial === undefined) throw new NotFoundError('bundle not found');
      try {
        return await insertStored(db, initial);
      } catch (err) {
        if (err instanceof AlreadyExistsError) continue;
        throw err;
      }
    }
    const current = storedFromRow(seen);
    const next = change(current);
    if (next === undefined) return current;
    if (await compareAndSet(db, seen, next)) return next;
  }
  throw new InternalError(`bundle "${trustDomain}" kept changing; update abandoned`, 'ERR_BUNDLE_CONTENTION');
}

/** Writes the masked fields of `bundle`. @throws NotFoundError. */
export async function updateBundle(db: Db, bundle: SpiffeBundle, mask?: BundleMask): Promise<SpiffeBundle> {
  const all = mask === undefined;
  const given = storedFromSpiffe(bundle);
  const next = await mutateBundle(db, given.trustDomain, (current) => ({
    trustDomain: current.trustDomain,
    x509Authorities: all || mask.x509Authorities ? given.x509Authorities : current.x509Authorities,
    jwtAuthorities: all || mask.jwtAuthorities ? given.jwtAuthorities : current.jwtAuthorities,
    refreshHint: all || mask.refreshHint ? given.refreshHint : current.refreshHint,
    sequenceNumber: all || mask.sequenceNumber ? given.sequenceNumber : current.sequenceNumber,
  }));
  return spiffeFromStored(next);
}

/** Merges authorities (deduplicated), bumping the sequence number when something was added. */
export async function appendBundle(db: Db, bundle: SpiffeBundle): Promise<SpiffeBundle> {
  const extra = storedFromSpiffe(bundle);
  const next = await mutateBundle(
    db,
    extra.trustDomain,
    (current) => {
      const { bundle: merged, changed } = mergeAuthorities(current, extra);
      return changed ? { ...merged, sequenceNumber: current.sequenceNumber + 1 } : undefined;
    },
    extra,
  );
  return spiffeFromStored(next);
}

/** Entries federating with `trustDomain`: internal row ID and entry ID. */
async function federatedEntries(db: Db, trustDomain: string): Promise<{ seq: number; entry_id: string }[]> {
  const rows = await db
    .selectFrom('entry_federations')
    .innerJoin('registered_entries', 'registered_entries.seq', 'entry_federations.entry_seq')
    .select(['registered_entries.seq', 'registered_entries.entry_id'])
    .where('entry_federations.trust_domain', '=', trustDomain)
    .execute();
  return rows.map((r) => ({ seq: Number(r.seq), entry_id: r.entry_id }));
}

/** Deletes a bundle, handling federated entries per `mode` (SPIRE semantics), in one transaction. */
export async function deleteBundle(
  ctx: StoreContext,
  trustDomain: string,
  mode: BundleDeleteMode,
): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const exists = await trx
      .selectFrom('bundles')
      .select('trust_domain')
      .where('trust_domain', '=', trustDomain)
      .executeTakeFirst();
    if (exists === undefined) throw new NotFoundError('bundle not found');
    const entries = await federatedEntries(trx, trustDomain);
    if (entries.length > 0 && mode === 'RESTRICT') {
      throw new FailedPreconditionError(
        `cannot delete bundle; federated with ${entries.length} registration entries`,
      );
    }
    const seqs = entries.map((e) => e.seq);
    if (mode === 'DISSOCIATE') {
      await trx.deleteFrom('entry_federations').where('trust_domain', '=', trustDomain).execute();
      for (const part of chunks(seqs, IN_CHUNK)) {
        await trx
          .updateTable('registered_entries')
          .set({ revision_number: sql`revision_number + 1` })
          .where('seq', 'in', part)
          .execute();
        await trx
          .updateTable('entry_federations')
          .set({ set_size: sql`set_size - 1` })
          .where('entry_seq', 'in', part)
          .execute();
      }
    } else {
      for (const part of chunks(seqs, IN_CHUNK))
        await trx.deleteFrom('registered_entries').where('seq', 'in', part).execute();
    }
    await recordEntryEvents(
      trx,
      entries.map((e) => e.entry_id),
      ctx.nowSeconds(),
    );
    await trx.deleteFrom('bundles').where('trust_domain', '=', trustDomain).execute();
  });
}
