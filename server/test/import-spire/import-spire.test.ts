import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runCapturedCli as cli, startCapturedRun, waitUntil } from '../cli/in-process-cli';
import { rootEntry } from '../../src/ca/x509-kind';
import { newFixture, writePostgresFixture, writeSqliteFixture, type SpireFixture } from './spire-fixture';

const PG = 'postgres://postgres@127.0.0.1:5432/test';

/** A Lanyard server.conf on a fresh SQLite datastore and disk KeyManager. */
function lanyardConf(dir: string, trustDomain = 'example.org'): string {
  const file = path.join(dir, 'server.conf');
  writeFileSync(
    file,
    `server {
  bind_address = "127.0.0.1"
  bind_port = "0"
  socket_path = "${dir}/api.sock"
  trust_domain = "${trustDomain}"
  data_dir = "${dir}/data"
  log_level = "ERROR"
}
plugins {
  DataStore "sql" { plugin_data { database_type = "sqlite3" connection_string = "${dir}/lanyard.sqlite3" } }
  KeyManager "disk" { plugin_data { keys_path = "${dir}/data/keys.json" } }
  NodeAttestor "join_token" { plugin_data {} }
}
`,
  );
  return file;
}

/** Starts the imported Lanyard server and checks that it serves SPIRE's data and signs with SPIRE's CA. */
async function checkImportedServer(dir: string, conf: string, fixture: SpireFixture): Promise<void> {
  const run = startCapturedRun(['-config', conf]);
  const socket = ['-socketPath', `${dir}/api.sock`];
  try {
    await waitUntil(async () => (await cli(['healthcheck', ...socket])).code === 0, 'the imported server');
    const entries = await cli(['entry', 'show', ...socket, '-output', 'json']);
    expect(entries.code).toBe(0);
    const listed = JSON.parse(entries.out) as { entries: Array<Record<string, unknown>> };
    const byId = new Map(listed.entries.map((e) => [e.id, e]));
    expect([...byId.keys()].sort()).toEqual(['entry-db', 'entry-web']);
    expect(byId.get('entry-web')).toMatchObject({
      x509_svid_ttl: 600,
      dns_names: ['web.example.org'],
      federates_with: ['other.org'],
      hint: 'web',
    });
    expect(byId.get('entry-db')).toMatchObject({
      admin: true,
      jwt_svid_ttl: 120,
      additional_attributes: { jwt_svid_include_jti: true },
    });
    const agents = await cli(['agent', 'list', ...socket]);
    expect(agents.out).toContain('spiffe://example.org/spire/agent/join_token/abc');

    const out = mkdtempSync(path.join(dir, 'mint-'));
    expect(
      (await cli(['x509', 'mint', ...socket, '-spiffeID', 'spiffe://example.org/after', '-write', out])).code,
    ).toBe(0);
    const leaf = new X509Certificate(readFileSync(path.join(out, 'svid.pem')));
    expect(leaf.checkIssued(fixture.ca.certificate.x509)).toBe(true);
    expect(leaf.verify(fixture.ca.certificate.publicKey)).toBe(true);

    const jwt = await cli([
      'jwt',
      'mint',
      ...socket,
      '-spiffeID',
      'spiffe://example.org/after',
      '-audience',
      'a',
    ]);
    const [header, payload, signature] = jwt.out.trim().split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toMatchObject({
      kid: fixture.jwtKey.kid,
    });
    const signed = Buffer.from(`${header}.${payload}`);
    const publicKey = createPublicKey(fixture.jwtKey.publicKey.export({ type: 'spki', format: 'pem' }));
    expect(
      verify(
        'sha256',
        signed,
        { key: publicKey, dsaEncoding: 'ieee-p1363' },
        Buffer.from(signature, 'base64url'),
      ),
    ).toBe(true);
  } finally {
    run.stop();
  }
  expect(await run.exited).toBe(0);
}

describe('lanyard-server import-spire', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'lyimp-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const now = Math.floor(Date.now() / 1000);
  const authorityId = (ca: SpireFixture['ca']) => rootEntry(ca.certificate.der).id;

  it('reports a dry run from a SPIRE SQLite datastore, then imports it: agents keep trust', async () => {
    const dir = mkdtempSync(path.join(root, 'sqlite-'));
    const fixture = newFixture(authorityId);
    writeSqliteFixture(path.join(dir, 'spire.sqlite3'), path.join(dir, 'spire-keys.json'), fixture, now);
    const conf = lanyardConf(dir);
    const args = [
      'import-spire',
      '-config',
      conf,
      '-database',
      path.join(dir, 'spire.sqlite3'),
      '-keys',
      path.join(dir, 'spire-keys.json'),
    ];

    const dry = await cli([...args, '-dryRun']);
    expect(dry.err).toBe('');
    expect(dry.code).toBe(0);
    expect(dry.out).toContain('SPIRE datastore schema version 25, trust domain example.org\n');
    expect(dry.out).toContain('Registration entries: 2\n');
    expect(dry.out).toContain('Attested agents: 1\n');
    expect(dry.out).toContain('Join tokens: 1\n');
    expect(dry.out).toContain('Bundles: 2 (example.org, other.org)\n');
    expect(dry.out).toContain(`X.509 CA ${fixture.caAuthorityId}: active in slot A`);
    expect(dry.out).toContain('Skipped join token (secret): expired\n');
    expect(dry.out).not.toContain(fixture.validToken);
    expect(dry.out).toContain('Dry run: nothing was written.');
    expect(existsSync(path.join(dir, 'data', 'ca-journal.json'))).toBe(false);

    const real = await cli(args);
    expect(real.err).toBe('');
    expect(real.out).toContain(
      'Imported 2 entries, 1 agents, 1 join tokens, 2 bundles, 1 federation relationships and 2 CA keys.',
    );
    const again = await cli(args);
    expect(again.code).toBe(1);
    expect(again.err).toContain('already holds a Lanyard CA journal');
    await checkImportedServer(dir, conf, fixture);
  });

  it('imports from a SPIRE PostgreSQL datastore', async () => {
    const dir = mkdtempSync(path.join(root, 'pg-'));
    const fixture = newFixture(authorityId);
    const schema = `spire_import_${process.pid}_${Date.now()}`;
    await writePostgresFixture(PG, schema, path.join(dir, 'spire-keys.json'), fixture, now);
    const conf = lanyardConf(dir);
    const database = `${PG}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const result = await cli([
      'import-spire',
      '-config',
      conf,
      '-databaseType',
      'postgres',
      '-database',
      database,
      '-keys',
      path.join(dir, 'spire-keys.json'),
      '-output',
      'json',
    ]);
    expect(result.err).toBe('');
    const report = JSON.parse(result.out) as Record<string, unknown>;
    expect(report).toMatchObject({
      dryRun: false,
      entries: 2,
      agents: 1,
      joinTokens: 1,
      bundles: ['example.org', 'other.org'],
    });
    await checkImportedServer(dir, conf, fixture);
  });

  it('refuses a trust domain mismatch, a missing CA key and a non-SPIRE database, naming the problem', async () => {
    const dir = mkdtempSync(path.join(root, 'bad-'));
    const fixture = newFixture(authorityId);
    const db = path.join(dir, 'spire.sqlite3');
    const keys = path.join(dir, 'spire-keys.json');
    writeSqliteFixture(db, keys, fixture, now);
    const wrongTd = await cli([
      'import-spire',
      '-config',
      lanyardConf(dir, 'other.example'),
      '-database',
      db,
      '-keys',
      keys,
    ]);
    expect(wrongTd.code).toBe(1);
    expect(wrongTd.err).toContain('the SPIRE datastore has no bundle for trust domain "other.example"');

    const partial = JSON.parse(readFileSync(keys, 'utf8')) as { keys: Record<string, string> };
    delete partial.keys['JWT-Signer-A'];
    writeFileSync(keys, JSON.stringify(partial));
    const missingKey = await cli([
      'import-spire',
      '-config',
      lanyardConf(dir),
      '-database',
      db,
      '-keys',
      keys,
      '-dryRun',
    ]);
    expect(missingKey.code).toBe(1);
    expect(missingKey.err).toContain('the SPIRE keys file has no key "JWT-Signer-A"');

    const notSpire = path.join(dir, 'empty.sqlite3');
    writeFileSync(notSpire, '');
    const wrongDb = await cli([
      'import-spire',
      '-config',
      lanyardConf(dir),
      '-database',
      notSpire,
      '-keys',
      keys,
    ]);
    expect(wrongDb.code).toBe(1);
    expect(wrongDb.err).toContain('not a SPIRE datastore');
  });
});
