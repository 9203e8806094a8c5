import { canonicalSelectors } from './entry-codec';
import { validateNodeSelectors } from './node-codec';
import type { Db } from './schema';
import { chunks } from '../../util/chunks';
import type { NodeSelectors, Selector } from '../types';

const IN_CHUNK = 500;
const INSERT_CHUNK = 1000;

function sortSelectors(list: Selector[]): Selector[] {
  return list.length > 1 ? canonicalSelectors(list) : list;
}

/** Replaces a node's selectors (deduplicated); call inside a transaction. */
export async function writeNodeSelectors(
  db: Db,
  spiffeId: string,
  selectors: readonly Selector[],
): Promise<void> {
  validateNodeSelectors(selectors);
  await db.deleteFrom('node_selectors').where('spiffe_id', '=', spiffeId).execute();
  const canon = canonicalSelectors(selectors);
  const rows = canon.map((s) => ({
    spiffe_id: spiffeId,
    type: s.type,
    value: s.value,
    set_size: canon.length,
  }));
  for (const part of chunks(rows, INSERT_CHUNK)) await db.insertInto('node_selectors').values(part).execute();
}

/** A node's selectors, sorted. */
export async function getNodeSelectors(db: Db, spiffeId: string): Promise<Selector[]> {
  const rows = await db
    .selectFrom('node_selectors')
    .select(['type', 'value'])
    .where('spiffe_id', '=', spiffeId)
    .execute();
  return sortSelectors(rows.map((r) => ({ type: r.type, value: r.value })));
}

/** Selectors of the given nodes, keyed by SPIFFE ID. */
export async function selectorsOfNodes(
  db: Db,
  spiffeIds: readonly string[],
): Promise<Map<string, Selector[]>> {
  const out = new Map<string, Selector[]>();
  for (const part of chunks(spiffeIds, IN_CHUNK)) {
    const rows = await db
      .selectFrom('node_selectors')
      .select(['spiffe_id', 'type', 'value'])
      .where('spiffe_id', 'in', part)
      .execute();
    for (const r of rows) {
      const list = out.get(r.spiffe_id) ?? [];
      list.push({ type: r.type, value: r.value });
      out.set(r.spiffe_id, list);
    }
  }
  for (const [id, list] of out) out.set(id, sortSelectors(list));
  return out;
}

/**
 * Selectors of every node in one query; with `validAt`, only nodes with an attested node row whose
 * SVID has not expired at that time (SPIRE's ListNodeSelectors ValidAt).
 */
export async function listNodeSelectors(db: Db, validAt?: number): Promise<NodeSelectors[]> {
  let query = db
    .selectFrom('node_selectors')
    .select(['node_selectors.spiffe_id', 'node_selectors.type', 'node_selectors.value']);
  if (validAt !== undefined) {
    query = query
      .innerJoin('attested_nodes', 'attested_nodes.spiffe_id', 'node_selectors.spiffe_id')
      .where('attested_nodes.cert_not_after', '>=', validAt);
  }
  const bySpiffeId = new Map<string, Selector[]>();
  for (const r of await query.execute()) {
    const list = bySpiffeId.get(r.spiffe_id) ?? [];
    list.push({ type: r.type, value: r.value });
    bySpiffeId.set(r.spiffe_id, list);
  }
  return [...bySpiffeId].map(([spiffeId, selectors]) => ({ spiffeId, selectors: sortSelectors(selectors) }));
}
