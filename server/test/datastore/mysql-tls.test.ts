import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import mysql from 'mysql2/promise';
import { freePort } from '@lanyard/e2e';
import { openDataStore, type DataStoreOptions } from '../../src/datastore';
import { connect } from '../../src/datastore/sql/connect';
import { newEntry, rejection } from './fixtures';
import { makePki } from './test-pki';

/*
 * The shared MariaDB has TLS disabled, so these tests start a throw-away MariaDB of their own (mariadb-install-db +
 * mariadbd in a temp dir, loopback port) with a server certificate from a test CA, and a user that must present a
 * client certificate from that CA (REQUIRE X509).
 */
const dir = mkdtempSync(join(tmpdir(), 'lanyard-mariadb-tls-'));
let server: ChildProcess | undefined;
let port = 0;

async function waitForServer(deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root' });
      await c.query("CREATE USER spire@'%' REQUIRE X509");
      await c.query("GRANT ALL ON *.* TO spire@'%'");
      await c.query('CREATE DATABASE spire');
      await c.end();
      return;
    } catch (err) {
      if (Date.now() > deadline || server?.exitCode !== null) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

beforeAll(async () => {
  makePki(dir);
  execFileSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ],
    { stdio: 'pipe' },
  );
  port = await freePort();
  server = spawn(
    '/usr/sbin/mariadbd',
    [
      '--no-defaults',
      `--datadir=${join(dir, 'data')}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dir, 'mysqld.sock')}`,
      `--pid-file=${join(dir, 'mysqld.pid')}`,
      '--user=root',
      '--skip-log-bin',
      '--innodb-buffer-pool-size=16M',
      `--ssl-ca=${join(dir, 'ca.crt')}`,
      `--ssl-cert=${join(dir, 'server.crt')}`,
      `--ssl-key=${join(dir, 'server.key')}`,
    ],
    { stdio: 'ignore' },
  );
  await waitForServer(120_000);
}, 180_000);

afterAll(async () => {
  if (server !== undefined && server.exitCode === null) {
    const exited = new Promise((r) => server?.once('exit', r));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(dir, { recursive: true, force: true });
}, 120_000);

const files = {
  rootCaPath: join(dir, 'ca.crt'),
  clientCertPath: join(dir, 'client.crt'),
  clientKeyPath: join(dir, 'client.key'),
};

function options(user: string, params: string, tls?: DataStoreOptions['tls']): DataStoreOptions {
  return { databaseType: 'mysql', connectionString: `${user}:@tcp(127.0.0.1:${port})/spire?${params}`, tls };
}

/** The TLS cipher of the store's own connection ('' without TLS). */
async function cipherOf(o: DataStoreOptions): Promise<string> {
  const { primary } = await connect(o);
  try {
    const { rows } = await sql<{ Value: string }>`show session status like 'Ssl_cipher'`.execute(primary);
    return rows[0]?.Value ?? '';
  } finally {
    await primary.destroy();
  }
}

describe('MySQL TLS keys (root_ca_path, client_cert_path, client_key_path) against a TLS MariaDB', () => {
  test('a user requiring X509 opens the datastore with the CA and client certificate', async () => {
    const o = options('spire', 'parseTime=true', files);
    const ds = await openDataStore(o);
    try {
      await ds.createEntry(newEntry());
      expect(await ds.countEntries()).toBe(1);
    } finally {
      await ds.close();
    }
    expect(await cipherOf(o)).not.toBe('');
  });

  test('without the client certificate that user is refused; root_ca_path alone verifies the server', async () => {
    const err = await rejection(
      cipherOf(options('spire', 'parseTime=true', { rootCaPath: files.rootCaPath })),
    );
    expect(err.message).toMatch(/Access denied for user 'spire'/);
    expect(await cipherOf(options('root', 'parseTime=true', { rootCaPath: files.rootCaPath }))).not.toBe('');
  });

  test('a server certificate from another CA is refused; tls=skip-verify encrypts anyway; no tls is plaintext', async () => {
    const err = await rejection(cipherOf(options('root', '', { rootCaPath: join(dir, 'other-ca.crt') })));
    expect(err.message).toMatch(/unable to verify|self[- ]signed|certificate/i);
    expect(await cipherOf(options('root', 'tls=skip-verify'))).not.toBe('');
    expect(await cipherOf(options('root', 'parseTime=true'))).toBe('');
  });

  test('an unreadable TLS file fails the open naming the key', async () => {
    const err = await rejection(
      openDataStore(options('root', '', { ...files, clientKeyPath: join(dir, 'missing.key') })),
    );
    expect(err.message).toBe(`client_key_path ${join(dir, 'missing.key')} cannot be read: ENOENT`);
  });
});
