/**
 * Schema of the server config file (HCL or JSON), following SPIRE's `server.conf` keys and section names.
 */
import {
  SERVER_PLUGIN_CARDINALITY,
  auditTrailSchema,
  field,
  healthChecksSchema,
  pluginsSchema,
  telemetrySchema,
  type Infer,
  type ServerPluginType,
} from '@lanyard/common';
import { limitsSchema } from './limits-section';
import { managedWorkloadsSchema } from './managed-section';

/** Key types accepted by `ca_key_type` / `jwt_key_type`. */
export const SERVER_KEY_TYPES = ['rsa-2048', 'rsa-4096', 'ec-p256', 'ec-p384'] as const;

/** Plugin types a server config may declare. */
export const SERVER_PLUGIN_TYPES = Object.keys(SERVER_PLUGIN_CARDINALITY) as readonly ServerPluginType[];

const caSubjectSchema = field.object('ca_subject', {
  country: field.stringList(),
  organization: field.stringList(),
  common_name: field.string(),
});

const ratelimitSchema = field.object('ratelimit', { attestation: field.bool(), signing: field.bool() });

const servingCertFileSchema = field.object('serving_cert_file', {
  cert_file_path: field.string(),
  key_file_path: field.string(),
  file_sync_interval: field.duration(),
});

/** `profile "<name>" {}` of the bundle endpoint; `acme` is recognised only to be refused clearly. */
const endpointProfileSchema = field.object('bundle endpoint profile', {
  acme: field.raw(),
  serving_cert_file: servingCertFileSchema,
});

const bundleEndpointSchema = field.object('bundle endpoint', {
  address: field.string(),
  port: field.int({ min: 0, max: 65535 }),
  refresh_hint: field.duration(),
  acme: field.raw(),
  profile: field.map(endpointProfileSchema),
});

const federatesWithSchema = field.object('federates_with', {
  bundle_endpoint_url: field.string(),
  bundle_endpoint_profile: field.map(
    field.object('bundle_endpoint_profile', { endpoint_spiffe_id: field.string() }),
  ),
});

/** Schema of `server.federation {}` (bundle endpoint server and static relationships). */
export const federationSchema = field.object('federation', {
  bundle_endpoint: bundleEndpointSchema,
  federates_with: field.map(federatesWithSchema),
});

const experimentalSchema = field.object('experimental', {
  cache_reload_interval: field.duration(),
  events_based_cache: field.bool(),
  full_cache_reload_interval: field.duration(),
  prune_events_older_than: field.duration(),
  event_timeout: field.duration(),
  sql_transaction_timeout: field.duration(),
  agent_spiffe_id_as_selector: field.bool(),
  named_pipe_name: field.string(),
  require_pq_kem: field.bool(),
  feature_flags: field.stringList(),
  auth_opa_policy_engine: field.raw(),
});

/** Schema of the `server {}` block. */
export const serverSectionSchema = field.object(
  'server',
  {
    bind_address: field.string(),
    bind_port: field.int({ min: 0, max: 65535 }),
    socket_path: field.string(),
    trust_domain: field.string({ required: 'trust_domain must be configured' }),
    data_dir: field.string({ required: 'data_dir must be configured' }),
    log_level: field.string({ oneOf: ['DEBUG', 'INFO', 'WARN', 'ERROR'], ignoreCase: true }),
    log_format: field.string({ oneOf: ['text', 'json'], ignoreCase: true }),
    log_file: field.string(),
    log_source_location: field.bool(),
    ca_key_type: field.string(),
    jwt_key_type: field.string(),
    ca_ttl: field.duration(),
    ca_subject: caSubjectSchema,
    default_x509_svid_ttl: field.duration(),
    default_jwt_svid_ttl: field.duration(),
    agent_ttl: field.duration(),
    jwt_issuer: field.string(),
    disable_jwt_svids: field.bool(),
    lanyard_push_entry_changes: field.bool(),
    admin_ids: field.stringList(),
    audit_log_enabled: field.bool(),
    audit_trail: auditTrailSchema,
    jwt_cloud_audiences: field.stringList(),
    ratelimit: ratelimitSchema,
    lanyard_limits: limitsSchema,
    svid_signing_concurrency: field.int({ min: 1 }),
    svid_signing_queue: field.int({ min: 0 }),
    svid_signing_workers: field.int({ min: 0 }),
    federation: federationSchema,
    managed_workloads: managedWorkloadsSchema,
    experimental: experimentalSchema,
    prune_attested_nodes_expired_for: field.duration(),
    prune_attested_nodes_batch_size: field.int({ min: 1 }),
    prune_tofu_nodes: field.bool(),
    max_attested_node_info_staleness: field.duration(),
    proxy_protocol_trusted_cidrs: field.stringList(),
    profiling_enabled: field.bool(),
    profiling_port: field.int({ min: 0, max: 65535 }),
    profiling_freq: field.int(),
    profiling_names: field.stringList(),
  },
  'server section must be configured',
);

/** Schema of the whole server config file. */
export const serverFileSchema = field.object('top-level', {
  server: serverSectionSchema,
  plugins: pluginsSchema(SERVER_PLUGIN_TYPES, 'plugins section must be configured'),
  health_checks: healthChecksSchema,
  telemetry: telemetrySchema,
});

/** The server config file as decoded by {@link serverFileSchema}, before defaults. */
export type ServerFile = Infer<typeof serverFileSchema>;
