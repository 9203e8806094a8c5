import type {
  AuditTrailConfig,
  GrpcListenerLimits,
  HealthChecksConfig,
  LogLevel,
  Position,
  TelemetryConfig,
} from '@lanyard/common';
import type { PluginData } from '@lanyard/attestor-core';
import type { SdsOptions } from '../workload/sds/options';
import type { RebootstrapSettings } from './rebootstrap';

/** Key type of workload X509-SVID keys made on the agent. */
export type WorkloadKeyType = 'rsa-2048' | 'ec-p256' | 'ec-p384';

/** How the agent learns the server's trust bundle before its first attestation. */
export type TrustBootstrap =
  | { readonly kind: 'path'; readonly path: string; readonly format: 'pem' | 'spiffe' }
  | {
      readonly kind: 'url';
      readonly url: string;
      readonly format: 'pem' | 'spiffe';
      readonly unixSocket?: string;
    }
  | { readonly kind: 'insecure' };

/** One configured plugin: its name and raw `plugin_data`. */
export interface PluginSelection {
  readonly name: string;
  readonly data: PluginData;
}

/** Effective `agent {}` settings with SPIRE's defaults applied. */
export interface AgentSettings {
  dataDir: string;
  logLevel: LogLevel;
  logFormat: 'text' | 'json';
  logFile?: string;
  /** `log_source_location` or `-logSourceLocation`: add the caller's `file` and `func` to log lines. */
  logSourceLocation: boolean;
  serverAddress: string;
  serverPort: number;
  socketPath: string;
  /** `admin_socket_path` (absolute): where the admin APIs listen; unset = no admin socket. */
  adminSocketPath?: string;
  /** `authorized_delegates`: SPIFFE IDs allowed to use the Delegated Identity API. */
  authorizedDelegates: string[];
  trustDomain: string;
  trustBootstrap: TrustBootstrap;
  /** `rebootstrap_mode` / `rebootstrap_delay` (or their flags). */
  rebootstrap: RebootstrapSettings;
  /** The join token (from `join_token`, `join_token_file` or `-joinToken`); never logged. */
  joinToken?: string;
  x509SvidCacheMaxSize: number;
  jwtSvidCacheMaxSize: number;
  /** `availability_target` in ms. */
  availabilityTargetMs?: number;
  workloadKeyType: WorkloadKeyType;
  allowUnauthenticatedVerifiers: boolean;
  allowedForeignJwtClaims: string[];
  /** `disable_workload_api` or `-disableWorkloadAPI`: no Workload API on the socket. */
  disableWorkloadApi: boolean;
  /** `disable_sds_api` or `-disableSDSAPI`: no Envoy SDS on the Workload API socket. */
  disableSdsApi: boolean;
  /** `sds {}` with SPIRE's defaults. */
  sds: SdsOptions;
  /** `lanyard_limits {}` (Lanyard extension) over the defaults: bounds of the Workload API and admin sockets. */
  limits: GrpcListenerLimits;
  /** Base sync period in ms (`sync_interval`, in `agent {}` or `experimental {}`); default 5 s. */
  syncIntervalMs: number;
  /**
   * `lanyard_push_entry_changes` (Lanyard extension, default true): keep an EntryWatch stream to the server and
   * apply pushed entry changes at once; false = poll only, as SPIRE's agent.
   */
  pushEntryChanges: boolean;
  /** `audit_trail {}` (Lanyard extension): the workload identity trail; unset = none. */
  auditTrail?: AuditTrailConfig;
}

/** Configured plugins. */
export interface AgentPlugins {
  /** Exactly one node attestor. */
  nodeAttestor: PluginSelection;
  /** `disk` (agent SVID and key kept in data_dir) or `memory` (re-attest on every start). */
  keyManager: 'disk' | 'memory';
  /** `KeyManager "disk"` `plugin_data.directory` (absolute): where the agent key is kept; unset = `data_dir`. */
  keyDirectory?: string;
  /** Workload attestors in file order. */
  workloadAttestors: PluginSelection[];
  /** `SVIDStore` plugins in file order (zero or more). */
  svidStores: PluginSelection[];
}

/** A complete agent configuration. */
export interface AgentConfig {
  agent: AgentSettings;
  plugins: AgentPlugins;
  healthChecks: HealthChecksConfig;
  telemetry: TelemetryConfig;
  source: { filename?: string; positions: Map<string, Position> };
}

/** A loaded config and the warnings to log once the logger exists. */
export interface LoadedAgentConfig {
  config: AgentConfig;
  warnings: string[];
}
