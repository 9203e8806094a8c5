import {
  KubeApiClient,
  inClusterConnection,
  type KubeNode,
  type KubePod,
  type NodeAttestationResult,
  type NodeAttestorServer,
  type NodeAttestorServerPlugin,
  type PluginData,
  type Selector,
  type ServerAttestorDeps,
} from '@lanyard/attestor-core';
import { loadKubeconfig } from '@lanyard/attestor-core/server';
import { InternalError, LanyardError, PermissionDeniedError } from '@lanyard/base';
import { type K8sPsatClusterConfig, type K8sPsatServerConfig, parseServerConfig } from './config';
import { K8S_PSAT_PLUGIN_NAME, decodePsatPayload, psatSelector } from './shared';
import { type ReviewedIdentity, identityFromReview } from './token-review';

/** A configured cluster with the API client that reaches it. */
export interface K8sPsatCluster {
  readonly config: K8sPsatClusterConfig;
  readonly client: KubeApiClient;
}

/**
 * Server half of `k8s_psat`: validates the projected token with the cluster's TokenReview API (audience-aware),
 * requires its service account to be allowed, looks up the pod and its node, and issues
 * `spiffe://<td>/spire/agent/k8s_psat/<cluster>/<node UID>`. Agents may re-attest.
 */
export class K8sPsatServerAttestor implements NodeAttestorServer {
  readonly name = K8S_PSAT_PLUGIN_NAME;

  constructor(
    private readonly clusters: ReadonlyMap<string, K8sPsatCluster>,
    private readonly deps: ServerAttestorDeps,
  ) {}

  /** Verifies the payload and returns the agent ID and `k8s_psat:*` selectors. */
  async attest(payload: Buffer): Promise<NodeAttestationResult> {
    const { cluster: name, token } = decodePsatPayload(payload);
    const cluster = this.clusters.get(name);
    if (!cluster) {
      throw new PermissionDeniedError(
        `k8s_psat: not configured for cluster "${name}"`,
        'ERR_K8S_PSAT_CLUSTER',
      );
    }
    const { config, client } = cluster;
    const status = await explain(name, 'unable to validate token with TokenReview API', () =>
      client.tokenReview(token, config.audience),
    );
    const who = identityFromReview(status, config.audience, name);
    const account = `${who.namespace}:${who.serviceAccount}`;
    if (!config.serviceAccountAllowList.has(account)) {
      throw new PermissionDeniedError(
        `k8s_psat: "${account}" is not an allowed service account for cluster "${name}"`,
        'ERR_K8S_PSAT_SERVICE_ACCOUNT',
      );
    }
    const pod = await explain(name, 'failed to get pod from k8s API server', () =>
      client.getPod(who.namespace, who.podName),
    );
    const nodeName = checkPod(pod, who, name);
    const node = await explain(name, 'failed to get node from k8s API server', () =>
      client.getNode(nodeName),
    );
    const nodeUid = checkNode(node, who, name);
    const agentId = config.pathTemplate.agentId(this.deps.trustDomain, {
      PluginName: K8S_PSAT_PLUGIN_NAME,
      Cluster: name,
      NodeUID: nodeUid,
      NodeName: nodeName,
      PodUID: who.podUid,
      PodName: who.podName,
      Namespace: who.namespace,
      ServiceAccount: who.serviceAccount,
    });
    this.deps.logger.debug('k8s_psat attested agent', {
      agent_id: agentId,
      cluster: name,
      node_name: nodeName,
    });
    return { agentId, selectors: selectorsFor(name, who, pod, node, nodeUid, config), canReattest: true };
  }
}

async function explain<T>(cluster: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (!(error instanceof LanyardError)) throw error;
    const Ctor = error.constructor as new (message: string, code: string) => LanyardError;
    throw new Ctor(`k8s_psat: ${what} for cluster "${cluster}": ${error.message}`, error.code);
  }
}

function checkPod(pod: KubePod, who: ReviewedIdentity, cluster: string): string {
  if (pod.metadata?.uid !== who.podUid) {
    throw new PermissionDeniedError(
      `k8s_psat: pod UID mismatch for pod "${who.podName}" in cluster "${cluster}": token bound to pod UID "${who.podUid}"`,
      'ERR_K8S_PSAT_POD',
    );
  }
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) {
    throw new PermissionDeniedError(
      `k8s_psat: pod "${who.podName}" in cluster "${cluster}" is not scheduled on a node`,
      'ERR_K8S_PSAT_POD',
    );
  }
  if (who.nodeName !== undefined && who.nodeName !== nodeName) {
    throw new PermissionDeniedError(
      `k8s_psat: token for pod "${who.podName}" in cluster "${cluster}" is bound to node "${who.nodeName}" but the pod runs on node "${nodeName}"`,
      'ERR_K8S_PSAT_NODE',
    );
  }
  return nodeName;
}

function checkNode(node: KubeNode, who: ReviewedIdentity, cluster: string): string {
  const uid = node.metadata?.uid;
  if (!uid)
    throw new InternalError(`k8s_psat: node UID is empty for cluster "${cluster}"`, 'ERR_K8S_PSAT_NODE');
  if (who.nodeUid !== undefined && who.nodeUid !== uid) {
    throw new PermissionDeniedError(
      `k8s_psat: token for pod "${who.podName}" in cluster "${cluster}" is bound to node UID "${who.nodeUid}" but node "${node.metadata?.name}" has UID "${uid}"`,
      'ERR_K8S_PSAT_NODE',
    );
  }
  return uid;
}

function labelSelectors(
  kind: string,
  labels: Record<string, string> | undefined,
  allowed: ReadonlySet<string>,
) {
  return Object.entries(labels ?? {})
    .filter(([key]) => allowed.has(key))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => psatSelector(kind, key, value));
}

function selectorsFor(
  cluster: string,
  who: ReviewedIdentity,
  pod: KubePod,
  node: KubeNode,
  nodeUid: string,
  config: K8sPsatClusterConfig,
): Selector[] {
  return [
    psatSelector('cluster', cluster),
    psatSelector('agent_ns', who.namespace),
    psatSelector('agent_sa', who.serviceAccount),
    psatSelector('agent_pod_name', who.podName),
    psatSelector('agent_pod_uid', who.podUid),
    psatSelector('agent_node_ip', pod.status?.hostIP ?? ''),
    psatSelector('agent_node_name', pod.spec?.nodeName ?? ''),
    psatSelector('agent_node_uid', nodeUid),
    ...labelSelectors('agent_node_label', node.metadata?.labels, config.allowedNodeLabelKeys),
    ...labelSelectors('agent_pod_label', pod.metadata?.labels, config.allowedPodLabelKeys),
  ];
}

/** Builds the API client of each configured cluster (kubeconfig file, else in-cluster configuration). */
export async function connectClusters(config: K8sPsatServerConfig): Promise<Map<string, K8sPsatCluster>> {
  const clusters = new Map<string, K8sPsatCluster>();
  for (const [name, cluster] of config.clusters) {
    const connection = cluster.kubeConfigFile
      ? await loadKubeconfig(cluster.kubeConfigFile)
      : await inClusterConnection();
    clusters.set(name, { config: cluster, client: new KubeApiClient(connection) });
  }
  return clusters;
}

/** Catalog registration of the server half. */
export const serverPlugin: NodeAttestorServerPlugin = {
  name: K8S_PSAT_PLUGIN_NAME,
  async create(pluginData: PluginData, deps: ServerAttestorDeps): Promise<NodeAttestorServer> {
    return new K8sPsatServerAttestor(await connectClusters(parseServerConfig(pluginData)), deps);
  },
};

/* This file is the package's `./server` entry: the server half and the shared names, never the agent half. */
export * from './shared';
