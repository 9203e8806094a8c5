import { silentLogger } from '@lanyard/attestor-core';
import { connect } from './sql/connect';
import { migrate } from './sql/migrations';
import { SqlDataStore } from './sql/sql-store';
import type { DataStore, DataStoreOptions } from './types';

/**
 * Opens the datastore: connects (SQLite file in WAL mode, or a PostgreSQL or MySQL pool, plus one on the read
 * replica when `roConnectionString` is set), applies pending migrations (forward-only, transactional) and returns
 * the store.
 *
 * @example
 * const ds = await openDataStore({ databaseType: 'sqlite3', connectionString: '/var/lib/lanyard/datastore.sqlite3' });
 * @throws InvalidArgumentError for an unsupported type or malformed connection string; InternalError when
 * a migration fails (the database is left as it was).
 */
export async function openDataStore(options: DataStoreOptions): Promise<DataStore> {
  const logger = options.logger ?? silentLogger;
  const { primary: db, readOnly } = await connect(options, (err) =>
    logger.warn('Lost a database connection; the pool opens a new one for the next statement', {
      error: err.message,
    }),
  );
  try {
    const applied = await migrate(db, options.databaseType, options.disableMigration);
    for (const name of applied) logger.info('Applied datastore migration', { migration: name });
  } catch (err) {
    await db.destroy();
    if (readOnly !== db) await readOnly.destroy();
    throw err;
  }
  return new SqlDataStore({ db, readOnly }, options.databaseType, options.now ?? Date.now);
}
