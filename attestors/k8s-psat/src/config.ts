import { AgentPathTemplate, PluginConfigReader, type PluginData } from '@lanyard/attestor-core';
import { InvalidArgumentError, LanyardError } from '@lanyard/base';
import {
  K8S_PSAT_DEFAULT_PATH_TEMPLATE,
  K8S_PSAT_DEFAULT_TOKEN_PATH,
  K8S_PSAT_PLUGIN_NAME,
  K8S_PSAT_POD_PATH_TEMPLATE,
} from './shared';

const P = K8S_PSAT_PLUGIN_NAME;

function fail(key: string, problem: string): never {
  throw new InvalidArgumentError(`${P}: plugin_data.${key} ${problem}`, 'ERR_PLUGIN_CONFIG');
}

/** Agent `plugin_data`. */
export interface K8sPsatAgentConfig {
  /** Cluster name; must be a key of the server's `clusters`. */
  readonly cluster: string;
  /** Projected service-account token file; default `/var/run/secrets/tokens/spire-agent`. */
  readonly tokenPath: string;
}

/** Parses agent `plugin_data`: `cluster` (required), `token_path`. */
export function parseAgentConfig(data: PluginData): K8sPsatAgentConfig {
  const r = new PluginConfigReader(P, data);
  const config = {
    cluster: r.requiredString('cluster'),
    tokenPath: r.string('token_path') || K8S_PSAT_DEFAULT_TOKEN_PATH,
  };
  r.rejectUnknownKeys();
  return config;
}

/** One entry of the server's `clusters` map. */
export interface K8sPsatClusterConfig {
  readonly name: string;
  /** `namespace:service-account` pairs allowed to attest. */
  readonly serviceAccountAllowList: ReadonlySet<string>;
  /** TokenReview audiences; `[]` means the API server's own audience. Default `["spire-server"]`. */
  readonly audience: string[];
  /** Kubeconfig path; empty means in-cluster configuration. */
  readonly kubeConfigFile?: string;
  readonly allowedNodeLabelKeys: ReadonlySet<string>;
  readonly allowedPodLabelKeys: ReadonlySet<string>;
  /** Agent ID from the pod UID (`/k8s_psat/<cluster>/pod/<uid>`) instead of the node UID. */
  readonly usePodUidForAgentId: boolean;
  /** The template that renders this cluster's agent IDs. */
  readonly pathTemplate: AgentPathTemplate;
}

/** Server `plugin_data`. */
export interface K8sPsatServerConfig {
  /** Clusters by name; empty means no cluster may attest. */
  readonly clusters: ReadonlyMap<string, K8sPsatClusterConfig>;
}

/**
 * Parses server `plugin_data`: `clusters = { "<name>" = { service_account_allow_list, audience, kube_config_file,
 * allowed_node_label_keys, allowed_pod_label_keys, use_pod_uid_for_agent_id } }` plus Lanyard's top-level
 * `agent_path_template`. Errors name the cluster: `k8s_psat: plugin_data.clusters."c1".audience must be …`.
 */
export function parseServerConfig(data: PluginData): K8sPsatServerConfig {
  const r = new PluginConfigReader(P, data);
  const clustersData = r.object('clusters') ?? {};
  const template = r.string('agent_path_template');
  r.rejectUnknownKeys();
  const clusters = new Map<string, K8sPsatClusterConfig>();
  for (const [name, value] of Object.entries(clustersData)) {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      fail(`clusters."${name}"`, 'must be an object');
    }
    clusters.set(
      name,
      withClusterPrefix(name, () => parseCluster(name, value as PluginData, template)),
    );
  }
  return { clusters };
}

function parseCluster(name: string, data: PluginData, template: string | undefined): K8sPsatClusterConfig {
  const r = new PluginConfigReader(P, data);
  const allowList = r.stringList('service_account_allow_list') ?? [];
  const config = {
    name,
    serviceAccountAllowList: new Set(allowList),
    audience: r.stringList('audience') ?? ['spire-server'],
    kubeConfigFile: r.string('kube_config_file') || undefined,
    allowedNodeLabelKeys: new Set(r.stringList('allowed_node_label_keys') ?? []),
    allowedPodLabelKeys: new Set(r.stringList('allowed_pod_label_keys') ?? []),
    usePodUidForAgentId: r.boolean('use_pod_uid_for_agent_id') ?? false,
  };
  r.rejectUnknownKeys();
  if (allowList.length === 0) fail('service_account_allow_list', 'is required');
  for (const entry of allowList) {
    if (!/^[^:\s]+:[^:\s]+$/.test(entry))
      fail('service_account_allow_list', `entry "${entry}" must be "namespace:name"`);
  }
  const source =
    template ?? (config.usePodUidForAgentId ? K8S_PSAT_POD_PATH_TEMPLATE : K8S_PSAT_DEFAULT_PATH_TEMPLATE);
  return { ...config, pathTemplate: AgentPathTemplate.parse(source, P) };
}

/** Rewrites `plugin_data.<key>` to `plugin_data.clusters."<name>".<key>` in errors from a cluster block. */
function withClusterPrefix<T>(name: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof LanyardError)) throw error;
    throw new InvalidArgumentError(
      error.message.replace(`${P}: plugin_data.`, `${P}: plugin_data.clusters."${name}".`),
      error.code,
    );
  }
}
