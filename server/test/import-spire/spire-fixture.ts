/**
 * A SPIRE-shaped datastore for the importer's tests: the tables and columns of SPIRE's `sql` plugin at schema
 * version 25 (from its documented gorm models), filled with entries, an agent, join tokens, bundles, a
 * federation relationship and a CA journal whose blobs are encoded as SPIRE encodes them.
 */
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { Client } from 'pg';
import { TestCa } from '@lanyard/test-support';
import { encodeSpireMessage } from '../../src/import-spire/spire-protos';

type Dialect = 'sqlite3' | 'postgres';

function ddl(dialect: Dialect): string[] {
  const id = dialect === 'postgres' ? 'id SERIAL PRIMARY KEY' : 'id INTEGER PRIMARY KEY AUTOINCREMENT';
  const blob = dialect === 'postgres' ? 'BYTEA' : 'BLOB';
  const time = dialect === 'postgres' ? 'TIMESTAMPTZ' : 'DATETIME';
  const model = `${id}, created_at ${time}, updated_at ${time}`;
  return [
    `CREATE TABLE migrations (${model}, version INTEGER, code_version VARCHAR(255))`,
    `CREATE TABLE bundles (${model}, trust_domain VARCHAR(255) NOT NULL UNIQUE, data ${blob})`,
    `CREATE TABLE registered_entries (${model}, entry_id VARCHAR(255) UNIQUE, spiffe_id VARCHAR(255), parent_id VARCHAR(255), ttl INTEGER, admin BOOLEAN, downstream BOOLEAN, expiry BIGINT, revision_number BIGINT, store_svid BOOLEAN, hint VARCHAR(255), jwt_svid_ttl INTEGER, additional_attributes ${blob})`,
    `CREATE TABLE selectors (${model}, registered_entry_id INTEGER, type VARCHAR(255), value VARCHAR(255))`,
    `CREATE TABLE dns_names (${model}, registered_entry_id INTEGER, value VARCHAR(255))`,
    `CREATE TABLE federated_registration_entries (bundle_id INTEGER, registered_entry_id INTEGER, PRIMARY KEY (bundle_id, registered_entry_id))`,
    `CREATE TABLE attested_node_entries (${model}, spiffe_id VARCHAR(255) UNIQUE, data_type VARCHAR(255), serial_number VARCHAR(255), expires_at ${time}, new_serial_number VARCHAR(255), new_expires_at ${time}, can_reattest BOOLEAN, agent_version VARCHAR(255))`,
    `CREATE TABLE node_resolver_map_entries (${model}, spiffe_id VARCHAR(255), type VARCHAR(255), value VARCHAR(255))`,
    `CREATE TABLE join_tokens (${model}, token VARCHAR(255) UNIQUE, expiry BIGINT)`,
    `CREATE TABLE federated_trust_domains (${model}, trust_domain VARCHAR(255) NOT NULL UNIQUE, bundle_endpoint_url VARCHAR(255), bundle_endpoint_profile VARCHAR(255), endpoint_spiffe_id VARCHAR(255), implicit BOOLEAN)`,
    `CREATE TABLE ca_journals (${model}, data ${blob}, active_x509_authority_id VARCHAR(255), active_jwt_authority_id VARCHAR(255))`,
  ];
}

/** What the fixture put in, for the assertions. */
export interface SpireFixture {
  ca: TestCa;
  federatedCa: TestCa;
  jwtKey: { kid: string; privateKey: KeyObject; publicKey: KeyObject };
  caAuthorityId: string;
  validToken: string;
}

/** Writes SPIRE's keys.json for the CA and JWT keys. */
function writeKeys(file: string, fixture: SpireFixture): void {
  const der = (key: KeyObject) => key.export({ type: 'pkcs8', format: 'der' }).toString('base64');
  const keys = {
    'x509-CA-A': der(fixture.ca.certificate.privateKey),
    'JWT-Signer-A': der(fixture.jwtKey.privateKey),
  };
  writeFileSync(file, JSON.stringify({ keys }, null, '\t'), { mode: 0o600 });
}

/** Rows as [table, columns, values]; blobs are Buffers, booleans are booleans. */
function rows(fixture: SpireFixture, nowSeconds: number): Array<[string, string[], unknown[]]> {
  const { ca, federatedCa, jwtKey, caAuthorityId } = fixture;
  const spki = jwtKey.publicKey.export({ type: 'spki', format: 'der' });
  const ownBundle = encodeSpireMessage('Bundle', {
    trustDomainId: 'spiffe://example.org',
    rootCas: [{ derBytes: ca.certificate.der }],
    jwtSigningKeys: [{ pkixBytes: spki, kid: jwtKey.kid, notAfter: nowSeconds + 86_400 }],
    refreshHint: 300,
    sequenceNumber: 7,
  });
  const fedBundle = encodeSpireMessage('Bundle', {
    trustDomainId: 'spiffe://other.org',
    rootCas: [{ derBytes: federatedCa.certificate.der }],
  });
  const journal = encodeSpireMessage('Entries', {
    x509CAs: [
      {
        slotId: 'A',
        issuedAt: nowSeconds - 3600,
        certificate: ca.certificate.der,
        status: 3,
        authorityId: caAuthorityId,
        notAfter: nowSeconds + 86_000,
      },
    ],
    jwtKeys: [
      {
        slotId: 'A',
        issuedAt: nowSeconds - 3600,
        notAfter: nowSeconds + 86_400,
        kid: jwtKey.kid,
        publicKey: spki,
        status: 3,
        authorityId: jwtKey.kid,
      },
    ],
  });
  const jti = encodeSpireMessage('AdditionalAttributes', { jwtSvidIncludeJti: true });
  const expires = new Date((nowSeconds + 3600) * 1000).toISOString().replace('T', ' ').replace('Z', '+00:00');
  const entryCols = [
    'entry_id',
    'spiffe_id',
    'parent_id',
    'ttl',
    'admin',
    'downstream',
    'expiry',
    'revision_number',
    'store_svid',
    'hint',
    'jwt_svid_ttl',
    'additional_attributes',
  ];
  return [
    ['migrations', ['version', 'code_version'], [25, '1.12.0']],
    ['bundles', ['trust_domain', 'data'], ['spiffe://example.org', ownBundle]],
    ['bundles', ['trust_domain', 'data'], ['spiffe://other.org', fedBundle]],
    [
      'registered_entries',
      entryCols,
      [
        'entry-web',
        'spiffe://example.org/web',
        'spiffe://example.org/spire/agent/join_token/abc',
        600,
        false,
        false,
        0,
        3,
        false,
        'web',
        0,
        null,
      ],
    ],
    [
      'registered_entries',
      entryCols,
      [
        'entry-db',
        'spiffe://example.org/db',
        'spiffe://example.org/spire/agent/join_token/abc',
        0,
        true,
        false,
        0,
        0,
        false,
        '',
        120,
        jti,
      ],
    ],
    ['selectors', ['registered_entry_id', 'type', 'value'], [1, 'unix', 'uid:1000']],
    ['selectors', ['registered_entry_id', 'type', 'value'], [2, 'unix', 'uid:1001']],
    ['selectors', ['registered_entry_id', 'type', 'value'], [2, 'unix', 'gid:50']],
    ['dns_names', ['registered_entry_id', 'value'], [1, 'web.example.org']],
    ['federated_registration_entries', ['bundle_id', 'registered_entry_id'], [2, 1]],
    [
      'attested_node_entries',
      [
        'spiffe_id',
        'data_type',
        'serial_number',
        'expires_at',
        'new_serial_number',
        'new_expires_at',
        'can_reattest',
        'agent_version',
      ],
      [
        'spiffe://example.org/spire/agent/join_token/abc',
        'join_token',
        '1234',
        expires,
        '',
        null,
        false,
        '1.12.0',
      ],
    ],
    [
      'node_resolver_map_entries',
      ['spiffe_id', 'type', 'value'],
      ['spiffe://example.org/spire/agent/join_token/abc', 'join_token', 'abc'],
    ],
    ['join_tokens', ['token', 'expiry'], [fixture.validToken, nowSeconds + 600]],
    ['join_tokens', ['token', 'expiry'], ['expired-token', nowSeconds - 600]],
    [
      'federated_trust_domains',
      ['trust_domain', 'bundle_endpoint_url', 'bundle_endpoint_profile', 'endpoint_spiffe_id', 'implicit'],
      ['other.org', 'https://other.org:8443', 'https_spiffe', 'spiffe://other.org/spire/server', false],
    ],
    [
      'ca_journals',
      ['data', 'active_x509_authority_id', 'active_jwt_authority_id'],
      [journal, caAuthorityId, jwtKey.kid],
    ],
  ];
}

/** New CA and keys for one fixture. */
export function newFixture(caAuthorityId: (ca: TestCa) => string): SpireFixture {
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const pair = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    ca,
    federatedCa: TestCa.create({ trustDomain: 'other.org' }),
    jwtKey: { kid: 'spire-jwt-key-1', ...pair },
    caAuthorityId: caAuthorityId(ca),
    validToken: 'b5f3c1d6-token',
  };
}

/** Builds the SQLite file and keys.json. */
export function writeSqliteFixture(
  file: string,
  keysFile: string,
  fixture: SpireFixture,
  nowSeconds: number,
): void {
  const db = new Database(file);
  for (const statement of ddl('sqlite3')) db.exec(statement);
  for (const [table, columns, values] of rows(fixture, nowSeconds)) {
    const sqlValues = values.map((v) => (typeof v === 'boolean' ? Number(v) : v));
    db.prepare(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
    ).run(...sqlValues);
  }
  db.close();
  writeKeys(keysFile, fixture);
}

/** Builds the tables in PostgreSQL schema `schema` (created here) and keys.json. */
export async function writePostgresFixture(
  connection: string,
  schema: string,
  keysFile: string,
  fixture: SpireFixture,
  nowSeconds: number,
): Promise<void> {
  const client = new Client({ connectionString: connection });
  await client.connect();
  try {
    await client.query(`CREATE SCHEMA ${schema}`);
    await client.query(`SET search_path TO ${schema}`);
    for (const statement of ddl('postgres')) await client.query(statement);
    for (const [table, columns, values] of rows(fixture, nowSeconds)) {
      await client.query(
        `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
        values,
      );
    }
  } finally {
    await client.end();
  }
  writeKeys(keysFile, fixture);
}
