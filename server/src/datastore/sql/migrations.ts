import {
  Migrator,
  sql,
  type CreateTableBuilder,
  type Expression,
  type Kysely,
  type Migration,
  type MigrationProvider,
} from 'kysely';
import { FailedPreconditionError, InternalError } from '@lanyard/base';
import type { DatabaseType } from '../types';
import { mysqlBinaryCollation, stringType, tableOptions, type StringRole } from './column-types';
import type { Database } from './schema';

/*
 * Versioned, forward-only schema migrations. Kysely's Migrator records applied ones in `kysely_migration`,
 * takes a lock (an advisory lock on Postgres) and runs pending ones in a transaction. Never edit a
 * released migration: add the next number.
 */

type AnyDb = Kysely<unknown>;

/** The backend and, on MySQL, the binary collation of its tables. */
interface Dialect {
  kind: DatabaseType;
  collation: string;
}

/** Adds an auto-increment integer primary key column in the backend's own spelling. */
function serialColumn(kind: DatabaseType): 'integer' | 'bigserial' | 'bigint' {
  if (kind === 'mysql') return 'bigint';
  return kind === 'postgres' ? 'bigserial' : 'integer';
}

/** `create table` with the MySQL table options. */
function createTable(db: AnyDb, d: Dialect, name: string): CreateTableBuilder<string, never> {
  const builder = db.schema.createTable(name);
  return d.kind === 'mysql' ? builder.modifyEnd(tableOptions(d.kind, d.collation)) : builder;
}

/** The type of a string column holding `role` on this backend. */
function str(d: Dialect, role: StringRole): Expression<unknown> {
  return stringType(d.kind, role);
}

async function createEntryTables(db: AnyDb, d: Dialect): Promise<void> {
  const { kind } = d;
  await createTable(db, d, 'registered_entries')
    .addColumn('seq', serialColumn(kind), (c) =>
      kind === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('entry_id', str(d, 'name'), (c) => c.notNull().unique())
    .addColumn('spiffe_id', str(d, 'spiffeId'), (c) => c.notNull())
    .addColumn('parent_id', str(d, 'spiffeId'), (c) => c.notNull())
    .addColumn('similarity_key', str(d, 'digest'), (c) => c.notNull().unique())
    .addColumn('x509_svid_ttl', 'integer', (c) => c.notNull())
    .addColumn('jwt_svid_ttl', 'integer', (c) => c.notNull())
    .addColumn('admin', 'integer', (c) => c.notNull())
    .addColumn('downstream', 'integer', (c) => c.notNull())
    .addColumn('store_svid', 'integer', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revision_number', 'bigint', (c) => c.notNull())
    .addColumn('hint', str(d, 'hint'), (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('registered_entries_spiffe_id')
    .on('registered_entries')
    .column('spiffe_id')
    .execute();
  await db.schema
    .createIndex('registered_entries_parent_id')
    .on('registered_entries')
    .column('parent_id')
    .execute();
  // A MySQL index key holds at most 3072 bytes: index a prefix of the hint (lookups stay exact).
  const hintIndex = db.schema.createIndex('registered_entries_hint').on('registered_entries');
  await (kind === 'mysql' ? hintIndex.expression(sql.raw('hint(255)')) : hintIndex.column('hint')).execute();
}

/** Selectors, DNS names and federated trust domains of entries; rows go with their entry. */
async function createEntryChildTables(db: AnyDb, d: Dialect): Promise<void> {
  await createTable(db, d, 'entry_selectors')
    .addColumn('entry_seq', 'bigint', (c) =>
      c.notNull().references('registered_entries.seq').onDelete('cascade'),
    )
    .addColumn('type', str(d, 'short'), (c) => c.notNull())
    .addColumn('value', str(d, 'short'), (c) => c.notNull())
    .addColumn('set_size', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('entry_selectors_pk', ['entry_seq', 'type', 'value'])
    .execute();
  await db.schema
    .createIndex('entry_selectors_type_value')
    .on('entry_selectors')
    .columns(['type', 'value', 'entry_seq', 'set_size'])
    .execute();
  await createTable(db, d, 'entry_dns_names')
    .addColumn('entry_seq', 'bigint', (c) =>
      c.notNull().references('registered_entries.seq').onDelete('cascade'),
    )
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', str(d, 'text'), (c) => c.notNull())
    .addPrimaryKeyConstraint('entry_dns_names_pk', ['entry_seq', 'position'])
    .execute();
  await createTable(db, d, 'entry_federations')
    .addColumn('entry_seq', 'bigint', (c) =>
      c.notNull().references('registered_entries.seq').onDelete('cascade'),
    )
    .addColumn('trust_domain', str(d, 'name'), (c) => c.notNull().references('bundles.trust_domain'))
    .addColumn('set_size', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('entry_federations_pk', ['entry_seq', 'trust_domain'])
    .execute();
  await db.schema
    .createIndex('entry_federations_td')
    .on('entry_federations')
    .columns(['trust_domain', 'entry_seq', 'set_size'])
    .execute();
}

async function createNodeTables(db: AnyDb, d: Dialect): Promise<void> {
  const { kind } = d;
  await createTable(db, d, 'attested_nodes')
    .addColumn('seq', serialColumn(kind), (c) =>
      kind === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('spiffe_id', str(d, 'agentId'), (c) => c.notNull().unique())
    .addColumn('attestation_data_type', str(d, 'text'), (c) => c.notNull())
    .addColumn('cert_serial_number', str(d, 'text'), (c) => c.notNull())
    .addColumn('cert_not_after', 'bigint', (c) => c.notNull())
    .addColumn('new_cert_serial_number', str(d, 'text'), (c) => c.notNull())
    .addColumn('new_cert_not_after', 'bigint', (c) => c.notNull())
    .addColumn('can_reattest', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await createTable(db, d, 'node_selectors')
    .addColumn('spiffe_id', str(d, 'agentId'), (c) => c.notNull())
    .addColumn('type', str(d, 'short'), (c) => c.notNull())
    .addColumn('value', str(d, 'short'), (c) => c.notNull())
    .addColumn('set_size', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('node_selectors_pk', ['spiffe_id', 'type', 'value'])
    .execute();
  await db.schema
    .createIndex('node_selectors_type_value')
    .on('node_selectors')
    .columns(['type', 'value', 'spiffe_id', 'set_size'])
    .execute();
}

async function createEventTables(db: AnyDb, d: Dialect): Promise<void> {
  const { kind } = d;
  for (const [table, subject, role] of [
    ['entry_events', 'entry_id', 'name'],
    ['node_events', 'spiffe_id', 'spiffeId'],
  ] as const) {
    await createTable(db, d, table)
      .addColumn('event_id', serialColumn(kind), (c) =>
        kind === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
      )
      .addColumn(subject, str(d, role), (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .execute();
    await db.schema.createIndex(`${table}_created_at`).on(table).column('created_at').execute();
  }
}

async function createTrustTables(db: AnyDb, d: Dialect): Promise<void> {
  await createTable(db, d, 'bundles')
    .addColumn('trust_domain', str(d, 'name'), (c) => c.primaryKey())
    .addColumn('authorities', str(d, 'text'), (c) => c.notNull())
    .addColumn('refresh_hint', 'bigint', (c) => c.notNull())
    .addColumn('sequence_number', 'bigint', (c) => c.notNull())
    .execute();
  await createTable(db, d, 'federation_relationships')
    .addColumn('trust_domain', str(d, 'name'), (c) => c.primaryKey())
    .addColumn('bundle_endpoint_url', str(d, 'text'), (c) => c.notNull())
    .addColumn('bundle_endpoint_profile', str(d, 'text'), (c) => c.notNull())
    .addColumn('endpoint_spiffe_id', str(d, 'text'))
    .execute();
  await createTable(db, d, 'join_tokens')
    .addColumn('token', str(d, 'short'), (c) => c.primaryKey())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
}

/** Migration 0002: entry `additional_attributes` as two 0/1 columns; existing entries get 0 (false). */
async function addEntryAttributeColumns(db: AnyDb): Promise<void> {
  for (const column of ['jwt_svid_include_jti', 'disable_x509_svid_prefetch']) {
    await db.schema
      .alterTable('registered_entries')
      .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  }
}

/** Migration 0003: `attested_nodes.agent_version`, the version an agent reports with PostStatus (SPIRE). */
async function addNodeAgentVersion(db: AnyDb, d: Dialect): Promise<void> {
  await db.schema
    .alterTable('attested_nodes')
    .addColumn('agent_version', str(d, 'short'), (c) => c.notNull().defaultTo(''))
    .execute();
}

/** Every migration, keyed by a name whose order is the apply order. */
function migrations(d: Dialect): Record<string, Migration> {
  return {
    '0001_initial': {
      async up(db: AnyDb): Promise<void> {
        await createTrustTables(db, d);
        await createEntryTables(db, d);
        await createEntryChildTables(db, d);
        await createNodeTables(db, d);
        await createEventTables(db, d);
      },
    },
    '0002_entry_additional_attributes': { up: addEntryAttributeColumns },
    '0003_node_agent_version': { up: (db: AnyDb) => addNodeAgentVersion(db, d) },
  };
}

/** Number of the newest migration this build knows: the schema version. */
export const SCHEMA_VERSION = 3;

/**
 * Postgres: the schema the connection writes to (`current_schema()`, set by `search_path`), so the
 * migration bookkeeping tables live next to the data even when other schemas hold Lanyard tables too.
 */
async function migrationSchema(db: Kysely<Database>, kind: DatabaseType): Promise<string | undefined> {
  if (kind !== 'postgres') return undefined;
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (!schema)
    throw new InternalError('postgres connection has no current schema (check search_path)', 'ERR_MIGRATION');
  return schema;
}

/**
 * Applies pending migrations (or, with `disableMigration`, refuses to start when some are pending).
 * Refuses a database migrated by a newer Lanyard (unknown migration names). Returns the names applied.
 * @throws InternalError when a migration fails (nothing of it is kept); FailedPreconditionError when
 * migrations are pending but disabled.
 */
export async function migrate(
  db: Kysely<Database>,
  kind: DatabaseType,
  disableMigration = false,
): Promise<string[]> {
  const collation = kind === 'mysql' ? await mysqlBinaryCollation(db as AnyDb) : '';
  const provider: MigrationProvider = { getMigrations: async () => migrations({ kind, collation }) };
  const migrator = new Migrator({ db, provider, migrationTableSchema: await migrationSchema(db, kind) });
  if (disableMigration) {
    const pending = (await migrator.getMigrations())
      .filter((m) => m.executedAt === undefined)
      .map((m) => m.name);
    if (pending.length > 0) {
      throw new FailedPreconditionError(
        `datastore schema needs migrations ${pending.join(', ')} but disable_migration is set`,
        'ERR_MIGRATION_DISABLED',
      );
    }
    return [];
  }
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const message = error instanceof Error ? error.message : String(error);
    throw new InternalError(`datastore migration failed: ${message}`, 'ERR_MIGRATION', { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
