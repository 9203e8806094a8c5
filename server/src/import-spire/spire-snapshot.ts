/**
 * Reads everything Lanyard imports from a SPIRE datastore into plain values: registration entries (with
 * selectors, DNS names, federated trust domains and additional attributes), attested nodes with their
 * selectors, join tokens, bundles, federation relationships and the newest CA journal.
 */
import { decodeAdditionalAttributes, decodeSpireBundle, decodeSpireJournal } from './spire-protos';
import type { SpireBundle, SpireJournal } from './spire-protos';
import type { Row, SpireDatabase } from './spire-database';

/** A registration entry as SPIRE stores it. */
export interface SpireEntry {
  entryId: string;
  spiffeId: string;
  parentId: string;
  selectors: Array<{ type: string; value: string }>;
  x509SvidTtl: number;
  jwtSvidTtl: number;
  dnsNames: string[];
  federatesWith: string[];
  admin: boolean;
  downstream: boolean;
  expiresAt: number;
  storeSvid: boolean;
  hint: string;
  disableX509SvidPrefetch: boolean;
  jwtSvidIncludeJti: boolean;
}

/** An attested node as SPIRE stores it (times in Unix seconds). */
export interface SpireNode {
  spiffeId: string;
  dataType: string;
  serialNumber: string;
  expiresAt: number;
  newSerialNumber: string;
  newExpiresAt: number;
  canReattest: boolean;
  agentVersion: string;
  selectors: Array<{ type: string; value: string }>;
}

/** A federation relationship as SPIRE stores it. */
export interface SpireRelationship {
  trustDomain: string;
  bundleEndpointUrl: string;
  bundleEndpointProfile: string;
  endpointSpiffeId: string;
}

/** Everything read from one SPIRE datastore. */
export interface SpireSnapshot {
  schemaVersion: number;
  entries: SpireEntry[];
  nodes: SpireNode[];
  joinTokens: Array<{ token: string; expiresAt: number }>;
  bundles: SpireBundle[];
  relationships: SpireRelationship[];
  /** The newest `ca_journals` row, when the table exists and has one. */
  journal?: SpireJournal;
}

/** gorm timestamps: a Date (pg) or text such as `2024-05-01 10:00:00.123+00:00` (SQLite) → Unix seconds. */
export function spireTime(value: unknown): number {
  if (value === null || value === undefined || value === '') return 0;
  const ms = value instanceof Date ? value.getTime() : Date.parse(String(value).replace(' ', 'T'));
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

const bool = (value: unknown) => value === true || value === 1 || value === '1' || value === 't';
const text = (value: unknown) => (value === null || value === undefined ? '' : String(value));

function groupBy<K>(rows: Row[], key: string, map: (row: Row) => K): Map<string, K[]> {
  const out = new Map<string, K[]>();
  for (const row of rows) {
    const id = text(row[key]);
    const list = out.get(id) ?? [];
    list.push(map(row));
    out.set(id, list);
  }
  return out;
}

async function readEntries(db: SpireDatabase): Promise<SpireEntry[]> {
  const attrs = (await db.hasColumn('registered_entries', 'additional_attributes'))
    ? ', additional_attributes'
    : '';
  const rows = await db.query(
    `SELECT id, entry_id, spiffe_id, parent_id, ttl, jwt_svid_ttl, admin, downstream, expiry, store_svid, hint${attrs} FROM registered_entries ORDER BY id`,
  );
  const selectors = groupBy(
    await db.query('SELECT registered_entry_id, type, value FROM selectors ORDER BY id'),
    'registered_entry_id',
    (r) => ({ type: text(r.type), value: text(r.value) }),
  );
  const dns = groupBy(
    await db.query('SELECT registered_entry_id, value FROM dns_names ORDER BY id'),
    'registered_entry_id',
    (r) => text(r.value),
  );
  const federated = groupBy(
    await db.query(
      'SELECT f.registered_entry_id, b.trust_domain FROM federated_registration_entries f JOIN bundles b ON b.id = f.bundle_id',
    ),
    'registered_entry_id',
    (r) => text(r.trust_domain).replace(/^spiffe:\/\//, ''),
  );
  return rows.map((r) => {
    const id = text(r.id);
    const extra = decodeAdditionalAttributes(r.additional_attributes as Uint8Array | null | undefined);
    return {
      entryId: text(r.entry_id),
      spiffeId: text(r.spiffe_id),
      parentId: text(r.parent_id),
      selectors: selectors.get(id) ?? [],
      x509SvidTtl: Number(r.ttl ?? 0),
      jwtSvidTtl: Number(r.jwt_svid_ttl ?? 0),
      dnsNames: dns.get(id) ?? [],
      federatesWith: federated.get(id) ?? [],
      admin: bool(r.admin),
      downstream: bool(r.downstream),
      expiresAt: Number(r.expiry ?? 0),
      storeSvid: bool(r.store_svid),
      hint: text(r.hint),
      ...extra,
    };
  });
}

async function readNodes(db: SpireDatabase): Promise<SpireNode[]> {
  const version = (await db.hasColumn('attested_node_entries', 'agent_version')) ? ', agent_version' : '';
  const rows = await db.query(
    `SELECT spiffe_id, data_type, serial_number, expires_at, new_serial_number, new_expires_at, can_reattest${version} FROM attested_node_entries ORDER BY id`,
  );
  const selectors = groupBy(
    await db.query('SELECT spiffe_id, type, value FROM node_resolver_map_entries ORDER BY id'),
    'spiffe_id',
    (r) => ({ type: text(r.type), value: text(r.value) }),
  );
  return rows.map((r) => ({
    spiffeId: text(r.spiffe_id),
    dataType: text(r.data_type),
    serialNumber: text(r.serial_number),
    expiresAt: spireTime(r.expires_at),
    newSerialNumber: text(r.new_serial_number),
    newExpiresAt: spireTime(r.new_expires_at),
    canReattest: bool(r.can_reattest),
    agentVersion: text(r.agent_version),
    selectors: selectors.get(text(r.spiffe_id)) ?? [],
  }));
}

async function readJournal(db: SpireDatabase): Promise<SpireJournal | undefined> {
  if (!(await db.hasTable('ca_journals'))) return undefined;
  const [row] = await db.query('SELECT id, data FROM ca_journals ORDER BY id DESC LIMIT 1');
  return row ? decodeSpireJournal(row.data as Uint8Array, `ca_journals row ${text(row.id)}`) : undefined;
}

/** Reads a whole SPIRE datastore (a consistent view is the operator's job: stop SPIRE first). */
export async function readSpireSnapshot(db: SpireDatabase): Promise<SpireSnapshot> {
  const bundles = await db.query('SELECT trust_domain, data FROM bundles ORDER BY id');
  const relationships = await db.query(
    'SELECT trust_domain, bundle_endpoint_url, bundle_endpoint_profile, endpoint_spiffe_id FROM federated_trust_domains ORDER BY id',
  );
  return {
    schemaVersion: db.schemaVersion ?? 0,
    entries: await readEntries(db),
    nodes: await readNodes(db),
    joinTokens: (await db.query('SELECT token, expiry FROM join_tokens ORDER BY id')).map((r) => ({
      token: text(r.token),
      expiresAt: Number(r.expiry ?? 0),
    })),
    bundles: bundles.map((r) => decodeSpireBundle(r.data as Uint8Array, `bundle of ${text(r.trust_domain)}`)),
    relationships: relationships.map((r) => ({
      trustDomain: text(r.trust_domain).replace(/^spiffe:\/\//, ''),
      bundleEndpointUrl: text(r.bundle_endpoint_url),
      bundleEndpointProfile: text(r.bundle_endpoint_profile),
      endpointSpiffeId: text(r.endpoint_spiffe_id),
    })),
    journal: await readJournal(db),
  };
}
