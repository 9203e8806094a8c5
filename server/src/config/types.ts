/**
 * The typed server configuration: every SPIRE `server.conf` key Lanyard uses, with defaults applied.
 * TTLs are in seconds, intervals in milliseconds.
 */
import type {
  AuditTrailConfig,
  HealthChecksConfig,
  LogLevel,
  Position,
  TelemetryConfig,
} from '@lanyard/common';
import type { DataStoreOptions } from '../datastore/types';
import type { ServerLimits } from '../limits';
import type { KubeBundlePlugins } from '../notifier/k8s-settings';
import type { ManagedWorkloadsConfig } from '../managed/config';

/** `ca_key_type` / `jwt_key_type` values. */
export type ServerKeyType = 'rsa-2048' | 'rsa-4096' | 'ec-p256' | 'ec-p384';

/**
 * `DataStore "sql"`: every `plugin_data` key mapped to the datastore's options (`conn_max_lifetime` in ms; `0`
 * means unlimited, as in SPIRE).
 */
export type DataStoreConfig = Omit<DataStoreOptions, 'logger' | 'now'>;

/** `KeyManager "disk"` (keys kept in `keys_path`) or `KeyManager "memory"`. */
export type KeyManagerConfig = { kind: 'disk'; keysPath: string } | { kind: 'memory' };

/** `UpstreamAuthority "disk"` or `UpstreamAuthority "spire"` (nested SPIRE). */
export type UpstreamAuthorityConfig =
  | { kind: 'disk'; certFilePath: string; keyFilePath: string; bundleFilePath?: string }
  | { kind: 'spire'; serverAddress: string; serverPort: number; workloadApiSocket: string };

/** One `NodeAttestor "<name>"` block; `pluginData` is validated later by the attestor's factory. */
export interface NodeAttestorBlock {
  name: string;
  pluginData: Record<string, unknown>;
  enabled: boolean;
}

/** How the bundle endpoint authenticates itself (`federation.bundle_endpoint.profile`). */
export type BundleEndpointServingProfile =
  /** The server's own X509-SVID. */
  | { kind: 'https_spiffe' }
  /** A Web PKI certificate read from disk and re-read every `fileSyncIntervalMs`. */
  | { kind: 'https_web'; certFilePath: string; keyFilePath: string; fileSyncIntervalMs: number };

/** `federation.bundle_endpoint {}`: where and how our trust bundle is served to other trust domains. */
export interface BundleEndpointConfig {
  address: string;
  port: number;
  /** `spiffe_refresh_hint` announced in the served bundle, seconds. */
  refreshHintSeconds: number;
  profile: BundleEndpointServingProfile;
}

/** One `federation.federates_with "<td>" {}` block. */
export interface FederatesWithConfig {
  /** Trust domain name (no scheme). */
  trustDomain: string;
  bundleEndpointUrl: string;
  bundleEndpointProfile: 'https_web' | 'https_spiffe';
  /** Required for `https_spiffe`. */
  endpointSpiffeId?: string;
}

/** `federation {}`. */
export interface FederationConfig {
  /** Unset: no bundle endpoint is served. */
  bundleEndpoint?: BundleEndpointConfig;
  /** Static relationships; they override API-created ones for the same trust domain. */
  federatesWith: FederatesWithConfig[];
}

/** The `server {}` block with defaults. */
export interface ServerSection {
  bindAddress: string;
  bindPort: number;
  socketPath: string;
  trustDomain: string;
  dataDir: string;
  logLevel: LogLevel;
  logFormat: 'text' | 'json';
  logFile?: string;
  logSourceLocation: boolean;
  caKeyType: ServerKeyType;
  jwtKeyType: ServerKeyType;
  caTtlSeconds: number;
  caSubject: { country: string[]; organization: string[]; commonName?: string };
  defaultX509SvidTtlSeconds: number;
  defaultJwtSvidTtlSeconds: number;
  agentTtlSeconds: number;
  jwtIssuer?: string;
  disableJwtSvids: boolean;
  /** `lanyard_push_entry_changes` (Lanyard extension, default true): serve EntryWatch to Lanyard agents. */
  pushEntryChanges: boolean;
  adminIds: string[];
  auditLogEnabled: boolean;
  /** `audit_trail {}` (Lanyard extension): the identity trail; unset = no trail. */
  auditTrail?: AuditTrailConfig;
  /**
   * `jwt_cloud_audiences` (Lanyard extension): audiences whose JWT-SVIDs always carry a `jti`, so a cloud's
   * own log line can be joined to the trail.
   */
  jwtCloudAudiences: string[];
  ratelimit: { attestation: boolean; signing: boolean };
  /** `lanyard_limits {}` (Lanyard extension): the bounds set in the file; the rest keep their defaults. */
  limits: Partial<ServerLimits>;
  /** `svid_signing_concurrency` / `svid_signing_queue` (Lanyard extension): the global BatchNewX509SVID bound. */
  signingLimits: { maxConcurrent: number; maxQueued: number };
  /** `svid_signing_workers` (Lanyard extension): threads that verify CSRs and sign X.509-SVIDs; 0/1 = main thread. */
  signingWorkers: number;
  federation: FederationConfig;
  /** `managed_workloads {}` (Lanyard extension): agentless attestation of cloud workloads; unset = off. */
  managedWorkloads?: ManagedWorkloadsConfig;
  experimental: {
    /** `cache_reload_interval`: how often the entry cache polls the event tables; unset = the server's default. */
    cacheReloadIntervalMs?: number;
    fullCacheReloadIntervalMs: number;
    pruneEventsOlderThanMs: number;
    eventTimeoutMs: number;
    agentSpiffeIdAsSelector: boolean;
  };
  /** Unset = never prune expired attested nodes. */
  pruneAttestedNodesExpiredForSeconds?: number;
  pruneAttestedNodesBatchSize: number;
  pruneTofuNodes: boolean;
  maxAttestedNodeInfoStalenessMs: number;
}

/** `plugins {}`. */
export interface ServerPlugins {
  dataStore: DataStoreConfig;
  keyManager: KeyManagerConfig;
  nodeAttestors: NodeAttestorBlock[];
  upstreamAuthority?: UpstreamAuthorityConfig;
  /** `Notifier "k8sbundle"` and `BundlePublisher "k8s_configmap"` blocks. */
  kubeBundle: KubeBundlePlugins;
}

/** The whole server configuration. */
export interface ServerConfig {
  server: ServerSection;
  plugins: ServerPlugins;
  healthChecks: HealthChecksConfig;
  telemetry: TelemetryConfig;
  /** Where it came from, so later checks can point at the key (`server.trust_domain`). */
  source?: { filename?: string; positions: Map<string, Position> };
}

/** A loaded config plus SPIRE's start-up warnings (TTL sanity, empty `ca_subject`, experimental, ...). */
export interface LoadedServerConfig {
  config: ServerConfig;
  warnings: string[];
}
