import type { AttestedNodeLookup, JoinTokenStore, PluginLogger } from '@lanyard/attestor-core';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type {
  AttestedNode,
  BundleDeleteMode,
  BundleMask,
  CreateEntryResult,
  EntryEvent,
  EntryFilter,
  EntryMask,
  FederationRelationship,
  FederationRelationshipMask,
  JoinToken,
  LatestEventIds,
  NewAttestedNode,
  NewRegistrationEntry,
  NodeEvent,
  NodeFilter,
  NodeMask,
  NodeSelectors,
  Page,
  PageRequest,
  RegistrationEntry,
  Selector,
} from './model';

export * from './model';

/** Backends of SPIRE's `DataStore "sql"` plugin that Lanyard supports. */
export type DatabaseType = 'sqlite3' | 'postgres' | 'mysql';

/** SPIRE's MySQL TLS files (`root_ca_path`, `client_cert_path`, `client_key_path`). */
export interface DataStoreTls {
  rootCaPath?: string;
  clientCertPath?: string;
  clientKeyPath?: string;
}

/** Options of {@link openDataStore}. */
export interface DataStoreOptions {
  databaseType: DatabaseType;
  /**
   * SQLite: a file path (parent directory created). Postgres: a libpq connection string, keyword/value
   * (`dbname=spire host=db sslmode=verify-full`) or URI (`postgres://user@host:port/db`). MySQL: a go-sql-driver
   * DSN (`user:password@tcp(host:3306)/db?parseTime=true`).
   */
  connectionString: string;
  /** SPIRE `ro_connection_string` (Postgres, MySQL): a read replica for reads that tolerate staleness. */
  roConnectionString?: string;
  logger?: PluginLogger;
  /** Current time in milliseconds; tests inject a fixed clock. Defaults to `Date.now`. */
  now?: () => number;
  /** Pool size (SPIRE `max_open_conns`); default 10. */
  maxOpenConns?: number;
  /** SPIRE `max_idle_conns`: idle connections kept open; default all. */
  maxIdleConns?: number;
  /** SPIRE `conn_max_lifetime` in milliseconds: connections older than this are not reused; default unlimited. */
  connMaxLifetimeMs?: number;
  /** MySQL TLS files (SPIRE applies them to MySQL only; Postgres takes `sslrootcert`… in the connection string). */
  tls?: DataStoreTls;
  /** SPIRE `disable_migration`: refuse to start (FailedPrecondition) instead of applying pending migrations. */
  disableMigration?: boolean;
}

/**
 * The server's persistent store (SPIRE's `DataStore "sql"`). Identical behaviour on SQLite, PostgreSQL and
 * MySQL/MariaDB.
 *
 * Errors are `LanyardError`s from `@lanyard/spiffe`: `NotFoundError` for absent IDs, `AlreadyExistsError`
 * for duplicates, `InvalidArgumentError` for values the store cannot keep (empty selectors, bad page token…),
 * `FailedPreconditionError` where SPIRE uses it. Every write is one transaction: a failure leaves nothing.
 * Entry and node changes write an {@link EntryEvent} / {@link NodeEvent} in the same transaction.
 */
export interface DataStore extends JoinTokenStore, AttestedNodeLookup {
  // ---- registration entries ----

  /**
   * Creates an entry. Throws `AlreadyExistsError` ("similar entry already exists", with `existing` set on
   * the thrown `SimilarEntryExistsError`) when an entry with the same parent, SPIFFE ID and selector
   * set exists, `AlreadyExistsError` when the given id is taken, `FailedPreconditionError` when a
   * `federatesWith` trust domain has no bundle.
   */
  createEntry(entry: NewRegistrationEntry): Promise<RegistrationEntry>;
  /** Like {@link createEntry} but returns the similar entry instead of throwing (`existing: true`). */
  createOrReturnEntry(entry: NewRegistrationEntry): Promise<{ entry: RegistrationEntry; existing: boolean }>;
  /**
   * Creates many entries in one transaction with per-item outcomes in input order (BatchCreateEntry):
   * a failed item leaves no rows of its own and does not affect the others.
   */
  createEntries(entries: NewRegistrationEntry[]): Promise<CreateEntryResult[]>;
  /** The entry, or `undefined` when absent. */
  getEntry(id: string): Promise<RegistrationEntry | undefined>;
  /** The entries that exist among `ids` (absent ones are skipped), keyed by id. */
  getEntries(ids: readonly string[]): Promise<Map<string, RegistrationEntry>>;
  /** Entries matching every given filter, in creation order, paged. */
  listEntries(filter?: EntryFilter, page?: PageRequest): Promise<Page<RegistrationEntry>>;
  countEntries(filter?: EntryFilter): Promise<number>;
  /**
   * Writes the masked fields of `entry` (found by `entry.id`) and increments its revision number.
   * `NotFoundError` when absent; `AlreadyExistsError` when the change makes it similar to another entry.
   */
  updateEntry(entry: RegistrationEntry, mask?: EntryMask): Promise<RegistrationEntry>;
  /** Deletes and returns the entry; `NotFoundError` when absent. */
  deleteEntry(id: string): Promise<RegistrationEntry>;
  /**
   * Every entry in creation order, handed to `onPage` in pages of at most `pageSize` (default 5,000), each read
   * with one query per table: the start-up hydrate of the entry cache, which never holds more than one page of
   * rows. Reads the read replica when one is configured (SPIRE's TolerateStale), as do `listNodeSelectors` and
   * `latestEventIds`.
   * @returns the number of entries read.
   */
  scanEntriesForCache(onPage: (entries: RegistrationEntry[]) => void, pageSize?: number): Promise<number>;

  // ---- attested nodes ----

  /** `AlreadyExistsError` when the node exists. Given selectors are stored in the same transaction. */
  createNode(node: NewAttestedNode): Promise<AttestedNode>;
  getNode(spiffeId: string): Promise<AttestedNode | undefined>;
  listNodes(filter?: NodeFilter, page?: PageRequest): Promise<Page<AttestedNode>>;
  countNodes(filter?: NodeFilter): Promise<number>;
  /** Writes masked fields of the node found by `node.spiffeId`; `NotFoundError` when absent. */
  updateNode(node: Omit<NewAttestedNode, 'selectors'>, mask?: NodeMask): Promise<AttestedNode>;
  /** Deletes the node and its selectors, returns what was deleted; `NotFoundError` when absent. */
  deleteNode(spiffeId: string): Promise<AttestedNode>;
  /** Replaces the node's selectors (deduplicated); the node need not exist yet. */
  setNodeSelectors(spiffeId: string, selectors: Selector[]): Promise<void>;
  getNodeSelectors(spiffeId: string): Promise<Selector[]>;
  /** Selectors of every node; with `validAt`, only nodes whose SVID has not expired at that unix time. */
  listNodeSelectors(opts?: { validAt?: number }): Promise<NodeSelectors[]>;

  // ---- join tokens ----

  /** `AlreadyExistsError` when the token exists. */
  createJoinToken(token: JoinToken): Promise<void>;
  /** The token, or `undefined`; does not consume it. */
  getJoinToken(token: string): Promise<JoinToken | undefined>;
  /** Deletes tokens whose expiry is strictly before `expiresBefore` (unix seconds); returns how many. */
  pruneJoinTokens(expiresBefore: number): Promise<number>;

  // ---- bundles ----

  /** `AlreadyExistsError` when the trust domain already has a bundle. */
  createBundle(bundle: SpiffeBundle): Promise<SpiffeBundle>;
  getBundle(trustDomain: string): Promise<SpiffeBundle | undefined>;
  listBundles(page?: PageRequest): Promise<Page<SpiffeBundle>>;
  countBundles(): Promise<number>;
  /** Writes masked fields; `NotFoundError` when absent. */
  updateBundle(bundle: SpiffeBundle, mask?: BundleMask): Promise<SpiffeBundle>;
  /** Creates or replaces the bundle. */
  setBundle(bundle: SpiffeBundle): Promise<SpiffeBundle>;
  /**
   * Merges authorities into the stored bundle (creating it if absent), skipping ones already present
   * (same DER / same key ID and key); bumps the sequence number when something was added. The given
   * bundle's sequence number and refresh hint are used only when the bundle is created.
   */
  appendBundle(bundle: SpiffeBundle): Promise<SpiffeBundle>;
  /** Deletes the bundle; see {@link BundleDeleteMode}. `NotFoundError` when absent. */
  deleteBundle(trustDomain: string, mode?: BundleDeleteMode): Promise<void>;
  /**
   * Drops X.509 authorities whose certificate expired before `expiresBefore` and JWT keys with a
   * non-zero expiry before it; bumps the sequence number on change. Refuses (`FailedPreconditionError`)
   * to remove every X.509 authority or every JWT key. Returns whether anything changed.
   */
  pruneBundle(trustDomain: string, expiresBefore: number): Promise<boolean>;
  /** Marks the X.509 authority with this subject key ID (hex) tainted; `FailedPreconditionError` if already. */
  taintX509Authority(trustDomain: string, subjectKeyId: string): Promise<void>;
  /** Removes a tainted X.509 authority; `FailedPreconditionError` if it is not tainted. */
  revokeX509Authority(trustDomain: string, subjectKeyId: string): Promise<void>;
  /** Marks the JWT key tainted; `FailedPreconditionError` if already tainted. */
  taintJwtAuthority(trustDomain: string, keyId: string): Promise<void>;
  /** Removes a tainted JWT key; `FailedPreconditionError` if it is not tainted. */
  revokeJwtAuthority(trustDomain: string, keyId: string): Promise<void>;

  // ---- federation relationships ----

  /** `AlreadyExistsError` when one exists; stores `trustDomainBundle` (upsert) in the same transaction. */
  createFederationRelationship(rel: FederationRelationship): Promise<FederationRelationship>;
  /** With the stored bundle of that trust domain, if any. */
  getFederationRelationship(trustDomain: string): Promise<FederationRelationship | undefined>;
  listFederationRelationships(page?: PageRequest): Promise<Page<FederationRelationship>>;
  updateFederationRelationship(
    rel: FederationRelationship,
    mask?: FederationRelationshipMask,
  ): Promise<FederationRelationship>;
  /** `NotFoundError` when absent. The bundle is kept. */
  deleteFederationRelationship(trustDomain: string): Promise<void>;

  // ---- events ----

  /** Entry events with id > `afterEventId`, ascending, at most `limit` (default all). */
  listEntryEventsAfter(afterEventId: number, limit?: number): Promise<EntryEvent[]>;
  /** Node events with id > `afterEventId`, ascending, at most `limit` (default all). */
  listNodeEventsAfter(afterEventId: number, limit?: number): Promise<NodeEvent[]>;
  latestEventIds(): Promise<LatestEventIds>;
  /** Deletes events created strictly before `olderThan` (unix seconds); returns how many of each. */
  pruneEvents(olderThan: number): Promise<{ entry: number; node: number }>;

  /** Closes connections; the store is unusable afterwards. */
  close(): Promise<void>;
}
