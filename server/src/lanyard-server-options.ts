/** The options a `LanyardServer` starts from: built from `server.conf` by `serverOptionsFromConfig`, or by tests. */
import type { NodeAttestorServerPlugin, PluginLogger } from '@lanyard/attestor-core';
import type { AuditTrailConfig, LogLevelControl, Metrics, PluginCatalog } from '@lanyard/common';
import type { SigningLimits } from './api/svid/signing-limiter';
import type { RateLimitConfig } from './api/rate-limit/limits';
import type { ServerCaOptions } from './ca';
import type { NodeAttestorConfig } from './catalog/node-attestors';
import type { DataStoreOptions } from './datastore';
import type { ServerFederationOptions } from './federation';
import type { ServerLimits } from './limits';
import type { ManagedWorkloadsConfig } from './managed';
import type { NodePruneOptions } from './node-pruner';
import type { KubeBundlePlugins } from './notifier';

/** Everything needed to run a server; built from the config file by `optionsFromConfig` or by tests. */
export interface LanyardServerOptions {
  /** `trust_domain`. */
  trustDomain: string;
  /** `data_dir` (CA journal). */
  dataDir: string;
  /** `bind_address`, `bind_port` (0 = any free port). */
  bindAddress: string;
  bindPort: number;
  /** `socket_path`. */
  socketPath: string;
  /** `admin_ids`. */
  adminIds?: string[];
  /** CA settings except the ones derived above (`trustDomain`, `dataDir`, `logger`, `now`). */
  ca: Omit<ServerCaOptions, 'trustDomain' | 'dataDir' | 'logger' | 'now'>;
  /** `DataStore "sql"`. */
  datastore: Omit<DataStoreOptions, 'logger' | 'now'>;
  /** `NodeAttestor` blocks (join_token is always available). */
  nodeAttestors?: NodeAttestorConfig[];
  /** Node attestor plugins the blocks may name; the built-in catalog by default. */
  nodeAttestorPlugins?: PluginCatalog<NodeAttestorServerPlugin>;
  logger?: PluginLogger;
  /**
   * Live level control of `logger` (`logLevelControl(logger)`), served by the Logger API; when absent the
   * Logger service is not registered (its calls answer Unimplemented).
   */
  logLevel?: LogLevelControl;
  /** SPIRE-named Prometheus metrics (`telemetry`); a private registry by default. */
  metrics?: Metrics;
  /** Entry cache event poll period; default 1000 ms. */
  cachePollIntervalMs?: number;
  /** `experimental.full_cache_reload_interval` in ms; default 1 h. */
  cacheFullReloadIntervalMs?: number;
  /** `experimental.event_timeout` in ms: how long a gap in event IDs is waited for; default 60 s. */
  eventTimeoutMs?: number;
  /**
   * `experimental.prune_events_older_than` in ms: entry and node events older than this are deleted, checked
   * every half of it (SPIRE's schedule); default 12 h.
   */
  pruneEventsOlderThanMs?: number;
  /** `ratelimit {}`: SPIRE's per-IP attestation and signing limits; both on by default. */
  ratelimit?: RateLimitConfig;
  /**
   * Monotonic millisecond clock of the rate limiters (they run on real time, not on `now`, which may be a
   * test's fixed certificate clock); `performance.now` by default.
   */
  rateLimitClock?: () => number;
  /** `audit_log_enabled`. */
  auditLogEnabled?: boolean;
  /** `audit_trail {}`: the identity trail file; unset = no trail. */
  auditTrail?: AuditTrailConfig;
  /** `jwt_cloud_audiences`: JWT-SVIDs for these audiences carry a `jti`; none by default here. */
  jwtCloudAudiences?: readonly string[];
  /** `experimental.agent_spiffe_id_as_selector`. */
  agentSpiffeIdAsSelector?: boolean;
  /** Stored bundle poll period (HA merge); default 5000 ms. */
  bundlePollIntervalMs?: number;
  /** `lanyard_limits {}`: listener, stream and attestation bounds; unset ones keep their defaults. */
  limits?: Partial<ServerLimits>;
  /** `prune_attested_nodes_expired_for` (+ batch size, `prune_tofu_nodes`); unset = never prune. */
  pruneAttestedNodes?: NodePruneOptions;
  /** `disable_jwt_svids`. */
  disableJwtSvids?: boolean;
  /** `federation {}`: the bundle endpoint to serve and the relationships configured in the file. */
  federation?: ServerFederationOptions;
  /** `managed_workloads {}`: the agentless attestation HTTPS listener; unset = off. */
  managedWorkloads?: ManagedWorkloadsConfig;
  /** `svid_signing_concurrency` / `svid_signing_queue`; {@link DEFAULT_SIGNING_LIMITS} when unset. */
  signingLimits?: SigningLimits;
  /**
   * `lanyard_push_entry_changes` (Lanyard extension): serve `lanyard.agent.v1.EntryWatch`, which pushes entry
   * changes to Lanyard agents; default true. When false, agents learn of changes by polling only, as in SPIRE.
   */
  pushEntryChanges?: boolean;
  /** Entries per SyncAuthorizedEntries / EntryWatch message; default 500 (SPIRE's). Tests make it small. */
  entrySyncPageSize?: number;
  /** Largest change pushed entry by entry; above it agents are told to resync. Default 5000; tests make it small. */
  entryPushMaxEntries?: number;
  /** Largest Batch* request; default 10000. */
  maxBatchSize?: number;
  /** `Notifier "k8sbundle"` / `BundlePublisher "k8s_configmap"`: where the trust bundle is kept in Kubernetes. */
  kubeBundle?: KubeBundlePlugins;
  /** How often those Kubernetes objects are checked again without a bundle change; default 1 min. */
  kubeBundleResyncMs?: number;
  now?: () => number;
}
