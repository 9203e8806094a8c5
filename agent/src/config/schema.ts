/**
 * Schema of the agent config file (HCL or JSON), following SPIRE's `agent.conf` keys and section names.
 * Keys that CLI flags may supply (`trust_domain`, `server_address`, `server_port`) are checked after the
 * flags are applied, so they are not `required` here.
 */
import {
  AGENT_PLUGIN_CARDINALITY,
  auditTrailSchema,
  field,
  healthChecksSchema,
  listenerLimitFields,
  pluginsSchema,
  telemetrySchema,
  type AgentPluginType,
  type Infer,
} from '@lanyard/common';

/** Key types accepted by `workload_x509_svid_key_type`. */
export const WORKLOAD_KEY_TYPES = ['rsa-2048', 'ec-p256', 'ec-p384'] as const;

/** Plugin types an agent config may declare. */
export const AGENT_PLUGIN_TYPES = Object.keys(AGENT_PLUGIN_CARDINALITY) as readonly AgentPluginType[];

const experimentalSchema = field.object('experimental', {
  sync_interval: field.duration(),
  use_sync_authorized_entries: field.bool(),
  jwt_svid_cache_hit_timeout: field.duration(),
  named_pipe_name: field.string(),
  admin_named_pipe_name: field.string(),
  require_pq_kem: field.bool(),
  feature_flags: field.stringList(),
  x509_svid_cache_max_size: field.int(),
  disable_lru_cache: field.bool(),
});

const sdsSchema = field.object('sds', {
  default_svid_name: field.string(),
  default_bundle_name: field.string(),
  default_all_bundles_name: field.string(),
  disable_spiffe_cert_validation: field.bool(),
});

/** Schema of the `agent {}` block. */
export const agentSectionSchema = field.object(
  'agent',
  {
    data_dir: field.string(),
    log_level: field.string({ oneOf: ['DEBUG', 'INFO', 'WARN', 'WARNING', 'ERROR'], ignoreCase: true }),
    log_format: field.string({ oneOf: ['text', 'json'], ignoreCase: true }),
    log_file: field.string(),
    log_source_location: field.bool(),
    server_address: field.string(),
    server_port: field.int({ min: 1, max: 65535 }),
    socket_path: field.string(),
    admin_socket_path: field.string(),
    trust_domain: field.string(),
    trust_bundle_path: field.string(),
    trust_bundle_url: field.string(),
    trust_bundle_unix_socket: field.string(),
    trust_bundle_format: field.string({ oneOf: ['pem', 'spiffe'], ignoreCase: true }),
    insecure_bootstrap: field.bool(),
    join_token: field.string(),
    join_token_file: field.string(),
    rebootstrap_mode: field.string({ oneOf: ['never', 'auto', 'always'], ignoreCase: true }),
    rebootstrap_delay: field.duration(),
    x509_svid_cache_max_size: field.int(),
    jwt_svid_cache_max_size: field.int(),
    availability_target: field.duration(),
    workload_x509_svid_key_type: field.string({ oneOf: WORKLOAD_KEY_TYPES, ignoreCase: true }),
    allow_unauthenticated_verifiers: field.bool(),
    allowed_foreign_jwt_claims: field.stringList(),
    authorized_delegates: field.stringList(),
    disable_workload_api: field.bool(),
    disable_sds_api: field.bool(),
    sync_interval: field.duration(),
    lanyard_push_entry_changes: field.bool(),
    sds: sdsSchema,
    lanyard_limits: field.object('lanyard_limits', listenerLimitFields),
    profiling_enabled: field.bool(),
    profiling_port: field.int({ min: 0, max: 65535 }),
    profiling_freq: field.int(),
    profiling_names: field.stringList(),
    experimental: experimentalSchema,
    audit_trail: auditTrailSchema,
  },
  'agent section must be configured',
);

/** Schema of the whole agent config file. */
export const agentFileSchema = field.object('top-level', {
  agent: agentSectionSchema,
  plugins: pluginsSchema(AGENT_PLUGIN_TYPES, 'plugins section must be configured'),
  health_checks: healthChecksSchema,
  telemetry: telemetrySchema,
});

/** The agent config file as decoded by {@link agentFileSchema}, before defaults. */
export type AgentFile = Infer<typeof agentFileSchema>;

/** The decoded `agent {}` block. */
export type AgentSection = NonNullable<AgentFile['agent']>;
