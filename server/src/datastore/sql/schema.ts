import type { Generated, Kysely, Transaction } from 'kysely';
import type { DatabaseType } from '../types';

/*
 * Row shapes of the tables, as kysely sees them. Booleans are stored as 0/1 integers and times as unix
 * seconds, so the same SQL runs on SQLite, PostgreSQL and MySQL.
 */

/** `registered_entries`: one row per registration entry. */
export interface EntryTable {
  /** Internal row ID: children reference it; pagination orders by it. */
  seq: Generated<number>;
  entry_id: string;
  spiffe_id: string;
  parent_id: string;
  /** sha256 over parent ID, SPIFFE ID and the sorted selector set; unique, so similar entries cannot race in. */
  similarity_key: string;
  x509_svid_ttl: number;
  jwt_svid_ttl: number;
  admin: number;
  downstream: number;
  store_svid: number;
  expires_at: number;
  revision_number: number;
  hint: string;
  /** `additional_attributes.jwt_svid_include_jti` as 0/1 (migration 0002). */
  jwt_svid_include_jti: number;
  /** `additional_attributes.disable_x509_svid_prefetch` as 0/1 (migration 0002). */
  disable_x509_svid_prefetch: number;
  created_at: number;
}

/** `entry_selectors`: an entry's selector set. */
export interface EntrySelectorTable {
  entry_seq: number;
  type: string;
  value: string;
  /** Size of the owner's whole set, repeated on each member row: set matching needs no second lookup. */
  set_size: number;
}

/** `entry_dns_names`: an entry's DNS SANs in order. */
export interface EntryDnsNameTable {
  entry_seq: number;
  position: number;
  name: string;
}

/** `entry_federations`: the trust domains an entry federates with (references `bundles`). */
export interface EntryFederationTable {
  entry_seq: number;
  trust_domain: string;
  /** Size of the owner's whole set, repeated on each member row: set matching needs no second lookup. */
  set_size: number;
}

/** `entry_events` / `node_events` share this shape with a different subject column. */
export interface EntryEventTable {
  event_id: Generated<number>;
  entry_id: string;
  created_at: number;
}

/** `node_events`. */
export interface NodeEventTable {
  event_id: Generated<number>;
  spiffe_id: string;
  created_at: number;
}

/** `attested_nodes`. */
export interface NodeTable {
  /** Internal row ID: pagination orders by it (same order on both backends). */
  seq: Generated<number>;
  spiffe_id: string;
  attestation_data_type: string;
  cert_serial_number: string;
  cert_not_after: number;
  new_cert_serial_number: string;
  new_cert_not_after: number;
  can_reattest: number;
  /** Reported with PostStatus; '' until the agent reports one. */
  agent_version: string;
  created_at: number;
}

/** `node_selectors`: the node resolver map. */
export interface NodeSelectorTable {
  spiffe_id: string;
  type: string;
  value: string;
  /** Size of the owner's whole set, repeated on each member row: set matching needs no second lookup. */
  set_size: number;
}

/** `join_tokens`. */
export interface JoinTokenTable {
  token: string;
  expires_at: number;
}

/** `bundles`: authorities kept as one JSON document per trust domain. */
export interface BundleTable {
  trust_domain: string;
  /** JSON of {@link StoredAuthorities}. */
  authorities: string;
  refresh_hint: number;
  sequence_number: number;
}

/** `federation_relationships`. */
export interface FederationRelationshipTable {
  trust_domain: string;
  bundle_endpoint_url: string;
  bundle_endpoint_profile: string;
  endpoint_spiffe_id: string | null;
}

/** The whole schema. */
export interface Database {
  registered_entries: EntryTable;
  entry_selectors: EntrySelectorTable;
  entry_dns_names: EntryDnsNameTable;
  entry_federations: EntryFederationTable;
  entry_events: EntryEventTable;
  attested_nodes: NodeTable;
  node_selectors: NodeSelectorTable;
  node_events: NodeEventTable;
  join_tokens: JoinTokenTable;
  bundles: BundleTable;
  federation_relationships: FederationRelationshipTable;
}

/** A connection or a transaction: every helper accepts either. */
export type Db = Kysely<Database> | Transaction<Database>;

/** What every helper module needs: the query layer, the backend kind and the clock. */
export interface StoreContext {
  readonly db: Kysely<Database>;
  readonly kind: DatabaseType;
  /** Current time, unix seconds. */
  nowSeconds(): number;
}
