import pg from 'pg';
import { describeConformance } from './conformance';

/** PostgreSQL from the environment: 127.0.0.1:5432, database `test`, user `postgres` (trust auth). */
const BASE_URL = process.env.LANYARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const prefix = `lanyard_ds_${process.pid}_${Date.now().toString(36)}`;
const schemas: string[] = [];

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: BASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

describe('DataStore on PostgreSQL', () => {
  describeConformance({
    multiConnection: true,
    newDatabase: async () => {
      const schema = `${prefix}_${schemas.length}`;
      schemas.push(schema);
      await admin((c) => c.query(`CREATE SCHEMA ${schema}`));
      const options = encodeURIComponent(`-c search_path=${schema}`);
      return {
        databaseType: 'postgres',
        connectionString: `${BASE_URL}?options=${options}`,
        maxOpenConns: 4,
      };
    },
    cleanup: () =>
      admin(async (c) => {
        for (const schema of schemas) await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      }),
  });
});
