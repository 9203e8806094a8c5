/**
 * The server's built-in DataStore, KeyManager and UpstreamAuthority plugins as config-level catalogs: each entry
 * describes its `plugin_data` keys with the declarative config schema and maps the decoded keys to settings.
 */
import {
  collectPluginData,
  field,
  serverCatalog,
  type ConfigIssue,
  type Fields,
  type Infer,
  type ObjectSchema,
  type PluginData,
} from '@lanyard/common';
import type { DataStoreConfig, KeyManagerConfig, UpstreamAuthorityConfig } from './types';
import {
  k8sBundleSettings,
  k8sConfigMapSettings,
  type K8sBundleCluster,
  type K8sConfigMapCluster,
} from '../notifier/k8s-settings';

/** A built-in plugin whose settings the config mapper reads itself. */
export interface ConfigPlugin<C> {
  readonly name: string;
  /**
   * Decodes `data` (the block at path `at`) to settings; every problem, unknown keys included, is appended to
   * `issues` and the result is then `undefined`.
   */
  settings(data: PluginData, at: readonly string[], issues: ConfigIssue[]): C | undefined;
}

function configPlugin<F extends Fields, C>(
  name: string,
  fields: F,
  map: (decoded: NonNullable<Infer<ObjectSchema<F>>>) => C,
): ConfigPlugin<C> {
  return {
    name,
    settings(data, at, issues) {
      const decoded = collectPluginData(data, fields, at, issues);
      return decoded === undefined ? undefined : map(decoded);
    },
  };
}

/** A path setting that must be given and not empty (`<key> must be set`). */
function requiredPath(key: string) {
  return field.string({ required: `${key} must be set`, nonEmpty: true });
}

const DATABASE_TYPES = ['sqlite3', 'postgres', 'mysql'] as const;

const sqlDataStore = configPlugin(
  'sql',
  {
    database_type: field.string({ required: 'database_type must be set', oneOf: DATABASE_TYPES }),
    connection_string: requiredPath('connection_string'),
    ro_connection_string: field.string({ nonEmpty: true }),
    max_open_conns: field.int({ min: 1 }),
    max_idle_conns: field.int({ min: 0 }),
    conn_max_lifetime: field.duration(),
    disable_migration: field.bool(),
    root_ca_path: field.string({ nonEmpty: true }),
    client_cert_path: field.string({ nonEmpty: true }),
    client_key_path: field.string({ nonEmpty: true }),
  },
  (d): DataStoreConfig => ({
    databaseType: DATABASE_TYPES.find((t) => t === d.database_type) ?? 'sqlite3',
    connectionString: d.connection_string ?? '',
    roConnectionString: d.ro_connection_string,
    maxOpenConns: d.max_open_conns,
    maxIdleConns: d.max_idle_conns,
    connMaxLifetimeMs: d.conn_max_lifetime === 0 ? undefined : d.conn_max_lifetime,
    disableMigration: d.disable_migration,
    tls:
      (d.root_ca_path ?? d.client_cert_path ?? d.client_key_path)
        ? { rootCaPath: d.root_ca_path, clientCertPath: d.client_cert_path, clientKeyPath: d.client_key_path }
        : undefined,
  }),
);

const diskKeyManager = configPlugin(
  'disk',
  { keys_path: requiredPath('keys_path') },
  (d): KeyManagerConfig => ({ kind: 'disk', keysPath: d.keys_path ?? '' }),
);

const memoryKeyManager = configPlugin('memory', {}, (): KeyManagerConfig => ({ kind: 'memory' }));

const diskUpstreamAuthority = configPlugin(
  'disk',
  {
    cert_file_path: requiredPath('cert_file_path'),
    key_file_path: requiredPath('key_file_path'),
    bundle_file_path: field.string({ nonEmpty: true }),
  },
  (d): UpstreamAuthorityConfig => ({
    kind: 'disk',
    certFilePath: d.cert_file_path ?? '',
    keyFilePath: d.key_file_path ?? '',
    bundleFilePath: d.bundle_file_path,
  }),
);

const spireUpstreamFields = {
  server_address: field.string({ required: 'server_address is required', nonEmpty: true }),
  server_port: field.int({ required: 'server_port is required', min: 1, max: 65535 }),
  workload_api_socket: field.string({ required: 'workload_api_socket is required', nonEmpty: true }),
  experimental: field.object('experimental', {
    workload_api_named_pipe_name: field.string(),
    require_pq_kem: field.bool(),
  }),
};

/** SPIRE's refusals of `experimental` settings this platform cannot honour. */
function spireExperimentalIssues(
  experimental: { workload_api_named_pipe_name?: string; require_pq_kem?: boolean } | undefined,
  at: readonly string[],
): ConfigIssue[] {
  const path = (key: string): string => [...at, 'plugin_data', 'experimental', key].join('.');
  const issues: ConfigIssue[] = [];
  if (experimental?.workload_api_named_pipe_name) {
    issues.push({
      path: path('workload_api_named_pipe_name'),
      message:
        'configuration: workload_api_named_pipe_name is not supported on this platform; please use workload_api_socket instead',
      standalone: true,
    });
  }
  if (experimental?.require_pq_kem === true) {
    issues.push({
      path: path('require_pq_kem'),
      message: `cannot be honoured: Node's OpenSSL ${process.versions.openssl} offers no post-quantum key exchange; set it to false or remove it`,
    });
  }
  return issues;
}

/** `UpstreamAuthority "spire"`: nested SPIRE through the local agent's Workload API. */
const spireUpstreamAuthority: ConfigPlugin<UpstreamAuthorityConfig> = {
  name: 'spire',
  settings(data, at, issues) {
    const decoded = collectPluginData(data, spireUpstreamFields, at, issues);
    if (decoded === undefined) return undefined;
    const refused = spireExperimentalIssues(decoded.experimental, at);
    issues.push(...refused);
    if (refused.length > 0) return undefined;
    return {
      kind: 'spire',
      serverAddress: decoded.server_address ?? '',
      serverPort: decoded.server_port ?? 0,
      workloadApiSocket: decoded.workload_api_socket ?? '',
    };
  },
};

/** `DataStore "<name>"` plugins. */
export const DATA_STORES = serverCatalog('DataStore', [sqlDataStore]);
/** `KeyManager "<name>"` plugins. */
export const KEY_MANAGERS = serverCatalog('KeyManager', [diskKeyManager, memoryKeyManager]);
/** `UpstreamAuthority "<name>"` plugins. */
export const UPSTREAM_AUTHORITIES = serverCatalog('UpstreamAuthority', [
  diskUpstreamAuthority,
  spireUpstreamAuthority,
]);
/** `Notifier "<name>"` plugins. */
export const NOTIFIERS = serverCatalog<ConfigPlugin<readonly K8sBundleCluster[]>>('Notifier', [
  { name: 'k8sbundle', settings: k8sBundleSettings },
]);
/** `BundlePublisher "<name>"` plugins. */
export const BUNDLE_PUBLISHERS = serverCatalog<ConfigPlugin<readonly K8sConfigMapCluster[]>>(
  'BundlePublisher',
  [{ name: 'k8s_configmap', settings: k8sConfigMapSettings }],
);
