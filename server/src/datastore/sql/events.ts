import type { EntryEvent, LatestEventIds, NodeEvent } from '../types';
import type { Db } from './schema';
import { chunks } from '../../util/chunks';

/** Event rows per INSERT statement. */
const INSERT_CHUNK = 500;

/** Records that these entries changed; call inside the transaction that changes them. */
export async function recordEntryEvents(db: Db, entryIds: readonly string[], now: number): Promise<void> {
  for (const part of chunks(entryIds, INSERT_CHUNK)) {
    await db
      .insertInto('entry_events')
      .values(part.map((entry_id) => ({ entry_id, created_at: now })))
      .execute();
  }
}

/** Records that these nodes (or their selectors) changed; call inside the changing transaction. */
export async function recordNodeEvents(db: Db, spiffeIds: readonly string[], now: number): Promise<void> {
  for (const part of chunks(spiffeIds, INSERT_CHUNK)) {
    await db
      .insertInto('node_events')
      .values(part.map((spiffe_id) => ({ spiffe_id, created_at: now })))
      .execute();
  }
}

function limitOf(limit: number | undefined): number | undefined {
  return limit !== undefined && Number.isInteger(limit) && limit > 0 ? limit : undefined;
}

/** Entry events after `afterEventId`, ascending. */
export async function listEntryEventsAfter(
  db: Db,
  afterEventId: number,
  limit?: number,
): Promise<EntryEvent[]> {
  let q = db
    .selectFrom('entry_events')
    .select(['event_id', 'entry_id', 'created_at'])
    .where('event_id', '>', afterEventId)
    .orderBy('event_id');
  const max = limitOf(limit);
  if (max !== undefined) q = q.limit(max);
  const rows = await q.execute();
  return rows.map((r) => ({
    eventId: Number(r.event_id),
    entryId: r.entry_id,
    createdAt: Number(r.created_at),
  }));
}

/** Node events after `afterEventId`, ascending. */
export async function listNodeEventsAfter(
  db: Db,
  afterEventId: number,
  limit?: number,
): Promise<NodeEvent[]> {
  let q = db
    .selectFrom('node_events')
    .select(['event_id', 'spiffe_id', 'created_at'])
    .where('event_id', '>', afterEventId)
    .orderBy('event_id');
  const max = limitOf(limit);
  if (max !== undefined) q = q.limit(max);
  const rows = await q.execute();
  return rows.map((r) => ({
    eventId: Number(r.event_id),
    spiffeId: r.spiffe_id,
    createdAt: Number(r.created_at),
  }));
}

/** Highest event IDs (0 when there are none). */
export async function latestEventIds(db: Db): Promise<LatestEventIds> {
  const entry = await db
    .selectFrom('entry_events')
    .select((eb) => eb.fn.max('event_id').as('m'))
    .executeTakeFirst();
  const node = await db
    .selectFrom('node_events')
    .select((eb) => eb.fn.max('event_id').as('m'))
    .executeTakeFirst();
  return { entry: Number(entry?.m ?? 0), node: Number(node?.m ?? 0) };
}

/** Deletes events created before `olderThan`; returns the counts removed. */
export async function pruneEvents(db: Db, olderThan: number): Promise<{ entry: number; node: number }> {
  const e = await db.deleteFrom('entry_events').where('created_at', '<', olderThan).executeTakeFirst();
  const n = await db.deleteFrom('node_events').where('created_at', '<', olderThan).executeTakeFirst();
  return { entry: Number(e.numDeletedRows), node: Number(n.numDeletedRows) };
}
