import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';
import { AlreadyExistsError, NotFoundError } from '@lanyard/base';
import type { AttestedNode, NewAttestedNode, NodeFilter, NodeMask, Page, PageRequest } from '../types';
import { recordNodeEvents } from './events';
import { NODE_COLUMN, NODE_FIELDS, nodeColumns, nodeFromRow, validateNode } from './node-codec';
import { getNodeSelectors, selectorsOfNodes, writeNodeSelectors } from './node-selectors';
import { decodeIntCursor, finishPage, pageSizeOf } from './paging';
import { isMysql } from './dialect';
import type { Database, Db, StoreContext } from './schema';
import { NODE_SELECTORS, setMatch } from './set-match';
import { isUniqueViolation } from './sql-errors';

const PAGE_KIND = 'nodes';

function nodeConditions(
  eb: ExpressionBuilder<Database, 'attested_nodes'>,
  f: NodeFilter,
  mysql: boolean,
): Expression<SqlBool>[] {
  const conds: Expression<SqlBool>[] = [];
  if (f.attestationType !== undefined)
    conds.push(eb('attested_nodes.attestation_data_type', '=', f.attestationType));
  if (f.expiresBefore !== undefined) conds.push(eb('attested_nodes.cert_not_after', '<', f.expiresBefore));
  if (f.canReattest !== undefined) conds.push(eb('attested_nodes.can_reattest', '=', f.canReattest ? 1 : 0));
  if (f.banned !== undefined) {
    const banned = eb.and([
      eb('attested_nodes.cert_serial_number', '=', ''),
      eb('attested_nodes.new_cert_serial_number', '=', ''),
    ]);
    conds.push(f.banned ? banned : eb.not(banned));
  }
  if (f.selectors !== undefined) {
    const members = f.selectors.selectors.map((s) => [s.type, s.value]);
    conds.push(setMatch(NODE_SELECTORS, 'attested_nodes.spiffe_id', members, f.selectors.match, mysql));
  }
  return conds;
}

/** The node with its selectors, or undefined. */
export async function getNode(db: Db, spiffeId: string): Promise<AttestedNode | undefined> {
  const row = await db
    .selectFrom('attested_nodes')
    .selectAll()
    .where('spiffe_id', '=', spiffeId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { ...nodeFromRow(row), selectors: await getNodeSelectors(db, spiffeId) };
}

/** Creates the node (and, when given, replaces its selectors) with its event. @throws AlreadyExistsError. */
export async function createNode(ctx: StoreContext, node: NewAttestedNode): Promise<AttestedNode> {
  validateNode(node);
  const now = ctx.nowSeconds();
  try {
    return await ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('attested_nodes')
        .values({ spiffe_id: node.spiffeId, ...nodeColumns(node), created_at: now })
        .execute();
      if (node.selectors !== undefined) await writeNodeSelectors(trx, node.spiffeId, node.selectors);
      await recordNodeEvents(trx, [node.spiffeId], now);
      return (await getNode(trx, node.spiffeId)) as AttestedNode;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new AlreadyExistsError('attested node already exists');
    throw err;
  }
}

/** Nodes matching the filter, in creation order, paged, with their selectors. */
export async function listNodes(db: Db, filter: NodeFilter, page?: PageRequest): Promise<Page<AttestedNode>> {
  const size = pageSizeOf(page);
  const after = decodeIntCursor(PAGE_KIND, page?.pageToken);
  let query = db
    .selectFrom('attested_nodes')
    .selectAll()
    .where((eb) => {
      const conds = nodeConditions(eb, filter, isMysql(db));
      if (after !== undefined) conds.push(eb('attested_nodes.seq', '>', after));
      return eb.and(conds);
    })
    .orderBy('seq');
  if (size > 0) query = query.limit(size + 1);
  const { rows, nextPageToken } = finishPage(await query.execute(), size, PAGE_KIND, (r) => Number(r.seq));
  const selectors = await selectorsOfNodes(
    db,
    rows.map((r) => r.spiffe_id),
  );
  const items = rows.map((r) => ({ ...nodeFromRow(r), selectors: selectors.get(r.spiffe_id) ?? [] }));
  return { items, nextPageToken };
}

/** Number of nodes matching the filter. */
export async function countNodes(db: Db, filter: NodeFilter): Promise<number> {
  const row = await db
    .selectFrom('attested_nodes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where((eb) => eb.and(nodeConditions(eb, filter, isMysql(db))))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Writes the masked fields with an event. @throws NotFoundError. */
export async function updateNode(
  ctx: StoreContext,
  node: Omit<NewAttestedNode, 'selectors'>,
  mask?: NodeMask,
): Promise<AttestedNode> {
  validateNode(node);
  const columns = nodeColumns(node);
  const set: Partial<typeof columns> = {};
  for (const field of NODE_FIELDS) {
    const column = NODE_COLUMN[field] as keyof typeof columns;
    if (mask === undefined || mask[field] === true)
      (set as Record<string, unknown>)[column] = columns[column];
  }
  return ctx.db.transaction().execute(async (trx) => {
    const exists = await trx
      .selectFrom('attested_nodes')
      .select('seq')
      .where('spiffe_id', '=', node.spiffeId)
      .executeTakeFirst();
    if (exists === undefined) throw new NotFoundError('attested node not found');
    if (Object.keys(set).length > 0) {
      await trx.updateTable('attested_nodes').set(set).where('spiffe_id', '=', node.spiffeId).execute();
    }
    await recordNodeEvents(trx, [node.spiffeId], ctx.nowSeconds());
    return (await getNode(trx, node.spiffeId)) as AttestedNode;
  });
}

/** Deletes the node and its selectors with an event; returns what was deleted. @throws NotFoundError. */
export async function deleteNode(ctx: StoreContext, spiffeId: string): Promise<AttestedNode> {
  return ctx.db.transaction().execute(async (trx) => {
    const node = await getNode(trx, spiffeId);
    if (node === undefined) throw new NotFoundError('attested node not found');
    await trx.deleteFrom('attested_nodes').where('spiffe_id', '=', spiffeId).execute();
    await trx.deleteFrom('node_selectors').where('spiffe_id', '=', spiffeId).execute();
    await recordNodeEvents(trx, [spiffeId], ctx.nowSeconds());
    return node;
  });
}
