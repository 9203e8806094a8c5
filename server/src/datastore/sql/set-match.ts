import { sql, type RawBuilder, type SqlBool } from 'kysely';
import { InvalidArgumentError } from '@lanyard/base';
import type { MatchMode } from '../types';

/** A child table holding a set per owner row, e.g. an entry's selectors. */
export interface SetTable {
  /** Child table name (a constant, never user input). */
  readonly table: 'entry_selectors' | 'entry_federations' | 'node_selectors';
  /** Column of the child table naming the owner. */
  readonly owner: 'entry_seq' | 'spiffe_id';
  /** Columns forming one set member. */
  readonly keys: readonly ('type' | 'value' | 'trust_domain')[];
}

/** An entry's or node's selector set. */
export const ENTRY_SELECTORS: SetTable = {
  table: 'entry_selectors',
  owner: 'entry_seq',
  keys: ['type', 'value'],
};
/** An entry's federated trust domains. */
export const ENTRY_FEDERATIONS: SetTable = {
  table: 'entry_federations',
  owner: 'entry_seq',
  keys: ['trust_domain'],
};
/** A node's selectors. */
export const NODE_SELECTORS: SetTable = {
  table: 'node_selectors',
  owner: 'spiffe_id',
  keys: ['type', 'value'],
};

function dedupe(members: readonly (readonly string[])[]): string[][] {
  const seen = new Map<string, string[]>();
  for (const m of members) seen.set(JSON.stringify(m), [...m]);
  return [...seen.values()];
}

/**
 * A portable SQL predicate "the owner row's set matches F under `mode`" (see {@link MatchMode}),
 * built from `IN (VALUES …)` row comparisons that SQLite (≥ 3.15) and Postgres both run (`rowList`: MySQL's
 * `IN ((…), (…))`, as MySQL 8 spells a table value constructor `VALUES ROW(…)` and MariaDB does not). Each member
 * row carries its owner's set size, so every mode is one pass over the (key…, owner, set_size) index.
 * @param outerOwner qualified column of the outer query holding the owner key, e.g. `registered_entries.seq`.
 * @throws InvalidArgumentError when F is empty (SPIRE rejects empty filter sets).
 */
export function setMatch(
  spec: SetTable,
  outerOwner: string,
  members: readonly (readonly string[])[],
  mode: MatchMode,
  rowList = false,
): RawBuilder<SqlBool> {
  const set = dedupe(members);
  if (set.length === 0) throw new InvalidArgumentError('match filter set is empty');
  const table = sql.raw(`${spec.table} s`);
  const owner = sql.raw(`s.${spec.owner}`);
  const outer = sql.ref(outerOwner);
  const key = sql.raw(
    spec.keys.length === 1 ? `s.${spec.keys[0]}` : `(${spec.keys.map((k) => `s.${k}`).join(', ')})`,
  );
  const values = sql.join(set.map((m) => sql`(${sql.join(m)})`));
  const inSet = rowList ? sql`${key} IN (${values})` : sql`${key} IN (VALUES ${values})`;
  const anyMember = sql<SqlBool>`${outer} IN (SELECT ${owner} FROM ${table} WHERE ${inSet})`;
  const allMembers = sql<SqlBool>`${outer} IN (SELECT ${owner} FROM ${table} WHERE ${inSet} GROUP BY ${owner} HAVING COUNT(*) = ${set.length})`;
  // Every member of E is in F: the members found in F are as many as E has (set_size).
  const withinSet = sql<SqlBool>`${outer} IN (SELECT ${owner} FROM ${table} WHERE ${inSet} GROUP BY ${owner}, s.set_size HAVING COUNT(*) = s.set_size)`;
  const equalSet = sql<SqlBool>`${outer} IN (SELECT ${owner} FROM ${table} WHERE ${inSet} AND s.set_size = ${set.length} GROUP BY ${owner} HAVING COUNT(*) = ${set.length})`;
  switch (mode) {
    case 'MATCH_ANY':
      return anyMember;
    case 'SUPERSET':
      return allMembers;
    case 'SUBSET':
      return withinSet;
    case 'EXACT':
      return equalSet;
    default:
      throw new InvalidArgumentError(`match mode "${String(mode)}" is not supported`);
  }
}
