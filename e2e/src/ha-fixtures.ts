/**
 * Helpers for the high-availability suites: a throw-away PostgreSQL schema (through `psql`), an upstream root CA
 * made with `openssl`, and `openssl verify` of an SVID chain against a bundle.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { pluginBlock } from './hcl';
import { runCommand } from './process';

/** The PostgreSQL server the suites use (trust auth, database `test`). */
export const POSTGRES = { host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test' } as const;

/** A schema created for one run; its connection string selects it with `search_path`. */
export interface PostgresSchema {
  readonly name: string;
  /** libpq URL with `options=-c search_path=<schema>`. */
  readonly url: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

async function psql(sql: string): Promise<string> {
  const args = [
    '-h',
    POSTGRES.host,
    '-p',
    String(POSTGRES.port),
    '-U',
    POSTGRES.user,
    '-d',
    POSTGRES.database,
  ];
  const res = await runCommand('psql', [...args, '-v', 'ON_ERROR_STOP=1', '-qAtc', sql]);
  if (res.code !== 0) throw new Error(`psql "${sql}" exited ${res.code}: ${res.stderr}`);
  return res.stdout;
}

/** Creates a fresh schema `<prefix>_<random hex>` in the `test` database. */
export async function createPostgresSchema(prefix: string): Promise<PostgresSchema> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await psql(`CREATE SCHEMA ${name}`);
  const { host, port, user, database } = POSTGRES;
  return {
    name,
    url: `postgres://${user}@${host}:${port}/${database}?options=-c%20search_path%3D${name}`,
    drop: async () => void (await psql(`DROP SCHEMA IF EXISTS ${name} CASCADE`)),
  };
}

/** Table names in a schema, sorted. */
export async function schemaTables(schema: string): Promise<string[]> {
  const out = await psql(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = '${schema}' ORDER BY 1`,
  );
  return out.split('\n').filter((line) => line !== '');
}

async function openssl(args: string[]): Promise<string> {
  const res = await runCommand('openssl', args);
  if (res.code !== 0) throw new Error(`openssl ${args.join(' ')} exited ${res.code}: ${res.stderr}`);
  return res.stdout;
}

/** Files of an upstream root CA. */
export interface UpstreamRoot {
  readonly certPath: string;
  readonly keyPath: string;
}

/** Generates a self-signed P-256 root CA (valid 2 days) with `openssl req -x509` in `dir`. */
export async function generateUpstreamRoot(dir: string): Promise<UpstreamRoot> {
  const certPath = path.join(dir, 'upstream-root.crt');
  const keyPath = path.join(dir, 'upstream-root.key');
  await openssl([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '2',
    '-subj',
    '/O=Lanyard e2e/CN=Upstream Root CA',
    '-addext',
    'basicConstraints=critical,CA:true',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { certPath, keyPath };
}

/** `UpstreamAuthority "disk"` block for a server config. */
export function diskUpstreamAuthority(root: UpstreamRoot): string {
  return pluginBlock('UpstreamAuthority', 'disk', {
    cert_file_path: root.certPath,
    key_file_path: root.keyPath,
  });
}

/**
 * `openssl verify -CAfile <bundle> -untrusted <chain> <chain>`: the first certificate of `chainPath` must chain to
 * a root in `bundlePath` through the rest of `chainPath`. Resolves with openssl's output, rejects otherwise.
 */
export function opensslVerify(bundlePath: string, chainPath: string): Promise<string> {
  return openssl(['verify', '-CAfile', bundlePath, '-untrusted', chainPath, chainPath]);
}
