import { AgentPathTemplate, decodePluginData, field, type PluginData } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';
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

const AGENT_PLUGIN_DATA = {
  cluster: field.string({ required: 'plugin_data.cluster is required' }),
  token_path: field.string(),
};

/** Parses agent `plugin_data`: `cluster` (required), `token_path`. */
export function parseAgentConfig(data: PluginData): K8sPsatAgentConfig {
  const config = decodePluginData(P, data, AGENT_PLUGIN_DATA);
  if (!config.cluster) fail('cluster', 'is required');
  return { cluster: config.cluster, tokenPath: config.token_path || K8S_PSAT_DEFAULT_TOKEN_PATH };
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

const CLUSTER_FIELDS = {
  service_account_allow_list: field.stringList(),
  audience: field.stringList(),
  kube_config_file: field.string(),
  allowed_node_label_keys: field.stringList(),
  allowed_pod_label_keys: field.stringList(),
  use_pod_uid_for_agent_id: field.bool(),
};

const SERVER_PLUGIN_DATA = {
  clusters: field.map(field.object(`${P} cluster`, CLUSTER_FIELDS)),
  agent_path_template: field.string(),
};

type ClusterData = NonNullable<
  ReturnType<typeof decodePluginData<typeof SERVER_PLUGIN_DATA>>['clusters']
>[string];

/**
 * Parses server `plugin_data`: `clusters = { "<name>" = { service_account_allow_list, audience, kube_config_file,
 * allowed_node_label_keys, allowed_pod_label_keys, use_pod_uid_for_agent_id } }` plus Lanyard's top-level
 * `agent_path_template`. Every wrong type or unknown key is reported at once with its position; the checks
 * after decoding name the cluster: `k8s_psat: plugin_data.clusters.c1.service_account_allow_list is required`.
 */
export function parseServerConfig(data: PluginData): K8sPsatServerConfig {
  const config = decodePluginData(P, data, SERVER_PLUGIN_DATA);
  const clusters = new Map<string, K8sPsatClusterConfig>();
  for (const [name, cluster] of Object.entries(config.clusters ?? {})) {
    clusters.set(name, parseCluster(name, cluster, config.agent_path_template));
  }
  return { clusters };
}

function parseCluster(name: string, data: ClusterData, template: string | undefined): K8sPsatClusterConfig {
  const key = (field: string): string => `clusters.${JSON.stringify(name)}.${field}`;
  const allowList = data.service_account_allow_list ?? [];
  if (allowList.length === 0) fail(key('service_account_allow_list'), 'is required');
  for (const entry of allowList) {
    if (!/^[^:\s]+:[^:\s]+$/.test(entry))
      fail(key('service_account_allow_list'), `entry "${entry}" must be "namespace:name"`);
  }
  const usePodUidForAgentId = data.use_pod_uid_for_agent_id ?? false;
  const source =
    template ?? (usePodUidForAgentId ? K8S_PSAT_POD_PATH_TEMPLATE : K8S_PSAT_DEFAULT_PATH_TEMPLATE);
  return {
    name,
    serviceAccountAllowList: new Set(allowList),
    audience: data.audience ?? ['spire-server'],
    kubeConfigFile: data.kube_config_file || undefined,
    allowedNodeLabelKeys: new Set(data.allowed_node_label_keys ?? []),
    allowedPodLabelKeys: new Set(data.allowed_pod_label_keys ?? []),
    usePodUidForAgentId,
    pathTemplate: AgentPathTemplate.parse(source, P),
  };
}
