import { AlreadyExistsError, FailedPreconditionError, NotFoundError } from '@lanyard/base';
import { SimilarEntryExistsError } from '../errors';
import type { EntryField, EntryMask, RegistrationEntry } from '../types';
import { canonicalSelectors, canonicalTrustDomains, entryRow, validateEntry } from './entry-codec';
import { insertChildren } from './entry-create';
import { entryKeys, getEntry, hydrateEntries } from './entry-read';
import { recordEntryEvents } from './events';
import type { Db, StoreContext } from './schema';
import { isUniqueViolation } from './sql-errors';

const ENTRY_FIELDS: readonly EntryField[] = [
  'spiffeId',
  'parentId',
  'selectors',
  'x509SvidTtl',
  'jwtSvidTtl',
  'dnsNames',
  'federatesWith',
  'admin',
  'downstream',
  'expiresAt',
  'storeSvid',
  'hint',
  'jwtSvidIncludeJti',
  'disableX509SvidPrefetch',
];

/** The stored entry with the masked fields of `update` written over it (revision bumped). */
function merge(
  current: RegistrationEntry,
  update: RegistrationEntry,
  mask: EntryMask | undefined,
): RegistrationEntry {
  const next: RegistrationEntry = { ...current };
  const target = next as unknown as Record<EntryField, unknown>;
  for (const field of ENTRY_FIELDS) {
    if (mask === undefined || mask[field] === true) target[field] = update[field];
  }
  validateEntry(next);
  next.selectors = canonicalSelectors(next.selectors);
  next.federatesWith = canonicalTrustDomains(next.federatesWith);
  next.dnsNames = [...next.dnsNames];
  next.revisionNumber = current.revisionNumber + 1;
  return next;
}

async function checkBundles(db: Db, trustDomains: string[]): Promise<void> {
  if (trustDomains.length === 0) return;
  const rows = await db
    .selectFrom('bundles')
    .select('trust_domain')
    .where('trust_domain', 'in', trustDomains)
    .execute();
  const found = new Set(rows.map((r) => r.trust_domain));
  const missing = trustDomains.find((td) => !found.has(td));
  if (missing !== undefined)
    throw new FailedPreconditionError(`unable to find federated bundle "${missing}"`);
}

async function checkNotSimilar(db: Db, seq: number, key: string): Promise<void> {
  const rows = await db
    .selectFrom('registered_entries')
    .selectAll()
    .where('similarity_key', '=', key)
    .where('seq', '<>', seq)
    .execute();
  const [other] = await hydrateEntries(db, rows);
  if (other !== undefined) throw new SimilarEntryExistsError(other);
}

async function writeEntry(
  db: Db,
  seq: number,
  next: RegistrationEntry,
  mask: EntryMask | undefined,
): Promise<void> {
  const { entry_id: _id, created_at: _created, ...columns } = entryRow(next);
  await db.updateTable('registered_entries').set(columns).where('seq', '=', seq).execute();
  const all = mask === undefined;
  if (all || mask.selectors === true)
    await db.deleteFrom('entry_selectors').where('entry_seq', '=', seq).execute();
  if (all || mask.dnsNames === true)
    await db.deleteFrom('entry_dns_names').where('entry_seq', '=', seq).execute();
  if (all || mask.federatesWith === true)
    await db.deleteFrom('entry_federations').where('entry_seq', '=', seq).execute();
  await insertChildren(db, [
    [
      seq,
      {
        ...next,
        selectors: all || mask.selectors === true ? next.selectors : [],
        dnsNames: all || mask.dnsNames === true ? next.dnsNames : [],
        federatesWith: all || mask.federatesWith === true ? next.federatesWith : [],
      },
    ],
  ]);
}

/**
 * Writes the masked fields of the entry `update.id` and increments its revision number, in one transaction
 * with its event. @throws NotFoundError, InvalidArgumentError, SimilarEntryExistsError, FailedPreconditionError.
 */
export async function updateEntry(
  ctx: StoreContext,
  update: RegistrationEntry,
  mask?: EntryMask,
): Promise<RegistrationEntry> {
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      const keys = await entryKeys(trx, update.id);
      const current = keys === undefined ? undefined : await getEntry(trx, update.id);
      if (keys === undefined || current === undefined) throw new NotFoundError('entry not found');
      const next = merge(current, update, mask);
      const key = entryRow(next).similarity_key;
      if (key !== keys.similarity_key) await checkNotSimilar(trx, keys.seq, key);
      if (mask === undefined || mask.federatesWith === true) await checkBundles(trx, next.federatesWith);
      await writeEntry(trx, keys.seq, next, mask);
      await recordEntryEvents(trx, [next.id], ctx.nowSeconds());
      return next;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AlreadyExistsError('similar entry already exists');
    throw err;
  }
}

/** Deletes the entry (children cascade) with its event; returns it. @throws NotFoundError. */
export async function deleteEntry(ctx: StoreContext, id: string): Promise<RegistrationEntry> {
  return ctx.db.transaction().execute(async (trx) => {
    const entry = await getEntry(trx, id);
    if (entry === undefined) throw new NotFoundError('entry not found');
    await trx.deleteFrom('registered_entries').where('entry_id', '=', id).execute();
    await recordEntryEvents(trx, [id], ctx.nowSeconds());
    return entry;
  });
}
