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
}

function fail(key: string, problem: string): never {
  throw new InvalidArgumentError(`${P}: plugin_data.${key} ${problem}`, 'ERR_PLUGIN_CONFIG');
}

const UNSUPPORTED = ['sigstore', 'experimental', 'enable_namespace_labels', 'disable_kubelet_client'];

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

/**
 * Parses the `k8s` workload attestor's `plugin_data` (SPIRE's keys and defaults). Keys SPIRE has but Lanyard does
 * not implement (`sigstore`, `experimental`, `enable_namespace_labels`, `disable_kubelet_client`) are refused by name.
 */
export function parseK8sConfig(data: PluginData, env: NodeJS.ProcessEnv = process.env): K8sWorkloadConfig {
  for (const key of UNSUPPORTED) if (key in data) fail(key, 'is not supported by lanyard');
  const d = decodePluginData(P, data, K8S_PLUGIN_DATA);
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
  };
  if (d.use_new_container_locator === false) {
    fail('use_new_container_locator', 'cannot be false: lanyard has one container locator (cgroup paths)');
  }
  return config;
}
