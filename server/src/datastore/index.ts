/**
 * The server datastore (SPIRE's `DataStore "sql"`): SQLite or PostgreSQL behind one kysely query layer.
 */
export * from './types';
export * from './errors';
export { openDataStore } from './open';
export { SCHEMA_VERSION } from './sql/migrations';
