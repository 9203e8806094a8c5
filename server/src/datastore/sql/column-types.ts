import { sql, type Expression, type Kysely } from 'kysely';
import type { DatabaseType } from '../types';

/*
 * Column types per backend. SQLite and PostgreSQL store every string as TEXT. MySQL/MariaDB cannot index TEXT
 * and cap an index key at 3072 bytes, so keyed strings are VARCHARs sized to fit: identifiers that are ASCII by
 * definition (SPIFFE IDs, trust domains, entry IDs, hashes) in `ascii`, free text in utf8mb4 with a binary
 * no-pad collation, so comparisons and unique keys are exact as on the other backends.
 */

/** What a string column holds, which decides its MySQL type. */
export type StringRole =
  /** A SPIFFE ID (ASCII, ≤ 2048). */
  | 'spiffeId'
  /** An agent SPIFFE ID keyed together with a selector (ASCII, ≤ 1024 on MySQL so the key fits). */
  | 'agentId'
  /** A trust domain name or an entry ID (ASCII, ≤ 255). */
  | 'name'
  /** A sha256 hex digest. */
  | 'digest'
  /** A selector type or value, a join token, an agent version (≤ 255 characters on MySQL). */
  | 'short'
  /** An entry hint (≤ 1024 characters). */
  | 'hint'
  /** Unindexed text; on MySQL up to 4 GiB (bundles). */
  | 'text';

const MYSQL_TYPES: Record<StringRole, string> = {
  spiffeId: 'varchar(2048) character set ascii collate ascii_bin',
  agentId: 'varchar(1024) character set ascii collate ascii_bin',
  name: 'varchar(255) character set ascii collate ascii_bin',
  digest: 'varchar(64) character set ascii collate ascii_bin',
  short: 'varchar(255)',
  hint: 'varchar(1024)',
  text: 'longtext',
};

/** The column type of a string column holding `role`. */
export function stringType(kind: DatabaseType, role: StringRole): Expression<unknown> {
  return kind === 'mysql' ? sql.raw(MYSQL_TYPES[role]) : sql.raw('text');
}

/** MySQL: the utf8mb4 binary collation without trailing-space padding (MySQL 8 or MariaDB spelling). */
export async function mysqlBinaryCollation(db: Kysely<unknown>): Promise<string> {
  const { rows } = await sql<{
    name: string;
  }>`select COLLATION_NAME as name from information_schema.COLLATIONS
    where COLLATION_NAME in ('utf8mb4_0900_bin', 'utf8mb4_nopad_bin') order by COLLATION_NAME`.execute(db);
  return rows[0]?.name ?? 'utf8mb4_bin';
}

/** `create table … <this>`: MySQL tables are InnoDB with the binary utf8mb4 collation. */
export function tableOptions(kind: DatabaseType, collation: string): Expression<unknown> {
  return kind === 'mysql'
    ? sql.raw(`engine = InnoDB default character set utf8mb4 collate ${collation}`)
    : sql``;
}
