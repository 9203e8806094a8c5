import { decodePluginData, field, type PluginData } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';
import { K8S_PLUGIN_NAME } from './shared';

const P = K8S_PLUGIN_NAME;
const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/** How the attestor authenticates to the kubelet's secure port. */
export type KubeletAuth =
  | { readonly kind: 'token'; readonly tokenPath: string }
  | { readonly kind: 'certificate'; readonly certificatePath: string; readonly privateKeyPath: string }
  | { readonly kind: 'anonymous' };

/** Parsed `plugin_data` of the `k8s` workload attestor. */
export interface K8sWorkloadConfig {
  /** `https` (secure port) or `http` (read-only port). */
  readonly scheme: 'https' | 'http';
  readonly port: number;
  /** Host to connect to: `kubelet_host`, else the node name, else 127.0.0.1. */
  readonly host: string;
  /** Node name from `node_name` or the `node_name_env` variable; verified as the kubelet's TLS name. */
  readonly nodeName?: string;
  /** CA bundle file for the kubelet certificate; undefined with `skip_kubelet_verification`. */
  readonly kubeletCaPath?: string;
  readonly skipKubeletVerification: boolean;
  readonly auth: KubeletAuth;
  readonly maxPollAttempts: number;
  readonly pollRetryIntervalMs: number;
  /** How often credentials are re-read from disk. */
  readonly reloadIntervalMs: number;
  readonly disableContainerSelectors: boolean;
  readonly verboseContainerLocatorLogs: boolean;
  /** Lanyard: proc filesystem to read cgroups from (e.g. `/host/proc`); the agent's proc root when unset. */
  readonly procRoot?: string;
  /** `enable_namespace_labels`: add `k8s:ns-label:<key>:<value>` from the API server. */
  readonly enableNamespaceLabels: boolean;
  /** `disable_kubelet_client`: no kubelet calls; PID-based attestation then fails, as in SPIRE. */
  readonly disableKubeletClient: boolean;
  /** `experimental { api_server { cache { enabled } } }`: accepted; namespace reads are not cached. */
  readonly apiServerCacheEnabled: boolean;
}

function fail(key: string, problem: string): never {
  throw new InvalidArgumentError(`${P}: plugin_data.${key} ${problem}`, 'ERR_PLUGIN_CONFIG');
}

/** SPIRE keys refused with the reason. */
const REFUSED: Record<string, string> = {
  sigstore:
    'is not supported by lanyard: it has no Sigstore verifier (cosign signatures, Rekor transparency log), so the ' +
    'k8s:image-signature-* selectors cannot be produced; select images by digest with k8s:container-image instead',
};

const EXPERIMENTAL = {
  api_server: field.object('k8s experimental api_server', {
    cache: field.object('k8s experimental api_server cache', { enabled: field.bool() }),
  }),
  broker: field.raw(),
};

/** Kubelet settings SPIRE refuses together with `disable_kubelet_client`. */
const KUBELET_KEYS = [
  'kubelet_read_only_port',
  'kubelet_secure_port',
  'kubelet_ca_path',
  'skip_kubelet_verification',
  'token_path',
  'certificate_path',
  'private_key_path',
  'use_anonymous_authentication',
  'node_name_env',
  'node_name',
  'reload_interval',
] as const;

const K8S_PLUGIN_DATA = {
  kubelet_secure_port: field.int(),
  kubelet_read_only_port: field.int(),
  skip_kubelet_verification: field.bool(),
  kubelet_ca_path: field.string(),
  kubelet_host: field.string(),
  token_path: field.string(),
  certificate_path: field.string(),
  private_key_path: field.string(),
  use_anonymous_authentication: field.bool(),
  node_name: field.string(),
  node_name_env: field.string(),
  max_poll_attempts: field.int(),
  poll_retry_interval: field.duration(),
  reload_interval: field.duration(),
  disable_container_selectors: field.bool(),
  verbose_container_locator_logs: field.bool(),
  proc_root: field.string(),
  use_new_container_locator: field.bool(),
  enable_namespace_labels: field.bool(),
  disable_kubelet_client: field.bool(),
  experimental: field.object('k8s experimental', EXPERIMENTAL),
};

type K8sPluginData = ReturnType<typeof decodePluginData<typeof K8S_PLUGIN_DATA>>;

function readAuth(d: K8sPluginData, readOnly: boolean): KubeletAuth {
  const tokenPath = d.token_path;
  const certificatePath = d.certificate_path;
  const privateKeyPath = d.private_key_path;
  const anonymous = d.use_anonymous_authentication ?? false;
  if ((certificatePath === undefined) !== (privateKeyPath === undefined)) {
    fail(
      certificatePath ? 'private_key_path' : 'certificate_path',
      'is required with the other half of the client key pair',
    );
  }
  if (readOnly) return { kind: 'anonymous' };
  if (anonymous && (certificatePath || tokenPath)) {
    fail('use_anonymous_authentication', 'cannot be combined with token_path or certificate_path');
  }
  if (anonymous) return { kind: 'anonymous' };
  if (certificatePath && privateKeyPath) return { kind: 'certificate', certificatePath, privateKeyPath };
  return { kind: 'token', tokenPath: tokenPath || `${SA_DIR}/token` };
}

function nodeNameFrom(d: K8sPluginData, env: NodeJS.ProcessEnv): string | undefined {
  const configured = d.node_name;
  const envName = d.node_name_env || 'MY_NODE_NAME';
  return configured || env[envName] || undefined;
}

function positive(value: number | undefined, key: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (value <= 0) fail(key, 'must be greater than zero');
  return value;
}

/** `disable_kubelet_client` excludes every kubelet setting (SPIRE's check). */
function checkKubeletClient(d: K8sPluginData): boolean {
  if (d.disable_kubelet_client !== true) return false;
  const set = KUBELET_KEYS.filter((key) => d[key] !== undefined && d[key] !== '' && d[key] !== false);
  if (set.length > 0) fail('disable_kubelet_client', `cannot be used with ${set.join(', ')}`);
  return true;
}

/** `experimental`: `api_server.cache.enabled` is accepted; `broker` needs the SPIFFE Broker API Lanyard lacks. */
function checkExperimental(d: K8sPluginData): boolean {
  if (d.experimental?.broker !== undefined) {
    fail(
      'experimental.broker',
      'is not supported by lanyard: the agent has no SPIFFE Broker API (AttestReference) to serve',
    );
  }
  return d.experimental?.api_server?.cache?.enabled === true;
}

/**
 * Parses the `k8s` workload attestor's `plugin_data` (SPIRE's keys and defaults). `sigstore` and
 * `experimental.broker` are refused with the reason.
 */
export function parseK8sConfig(data: PluginData, env: NodeJS.ProcessEnv = process.env): K8sWorkloadConfig {
  for (const [key, reason] of Object.entries(REFUSED)) if (key in data) fail(key, reason);
  const d = decodePluginData(P, data, K8S_PLUGIN_DATA);
  const disableKubeletClient = checkKubeletClient(d);
  const apiServerCacheEnabled = checkExperimental(d);
  const securePort = d.kubelet_secure_port;
  const readOnlyPort = d.kubelet_read_only_port;
  if (securePort !== undefined && readOnlyPort !== undefined) {
    fail('kubelet_read_only_port', 'cannot be combined with kubelet_secure_port');
  }
  const readOnly = readOnlyPort !== undefined;
  const port = readOnlyPort ?? securePort ?? 10250;
  if (port < 1 || port > 65535)
    fail(readOnly ? 'kubelet_read_only_port' : 'kubelet_secure_port', 'must be a port');
  const skip = d.skip_kubelet_verification ?? false;
  const caPath = d.kubelet_ca_path || `${SA_DIR}/ca.crt`;
  const auth = readAuth(d, readOnly);
  const nodeName = nodeNameFrom(d, env);
  const config: K8sWorkloadConfig = {
    scheme: readOnly ? 'http' : 'https',
    port,
    host: d.kubelet_host || nodeName || '127.0.0.1',
    nodeName,
    kubeletCaPath: readOnly || skip ? undefined : caPath,
    skipKubeletVerification: skip,
    auth,
    maxPollAttempts: positive(d.max_poll_attempts, 'max_poll_attempts', 60),
    pollRetryIntervalMs: positive(d.poll_retry_interval, 'poll_retry_interval', 500),
    reloadIntervalMs: positive(d.reload_interval, 'reload_interval', 60_000),
    disableContainerSelectors: d.disable_container_selectors ?? false,
    verboseContainerLocatorLogs: d.verbose_container_locator_logs ?? false,
    procRoot: d.proc_root || undefined,
    enableNamespaceLabels: d.enable_namespace_labels ?? false,
    disableKubeletClient,
    apiServerCacheEnabled,
  };
  if (d.use_new_container_locator === false) {
    fail('use_new_container_locator', 'cannot be false: lanyard has one container locator (cgroup paths)');
  }
  return config;
}
