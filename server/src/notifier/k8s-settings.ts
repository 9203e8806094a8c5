/**
 * Settings of the two plugins that keep the trust bundle in Kubernetes, read from `plugin_data` with SPIRE's keys
 * and defaults: `Notifier "k8sbundle"` (a ConfigMap, plus the CA bundles of labelled webhooks and APIServices) and
 * `BundlePublisher "k8s_configmap"` (a ConfigMap per cluster, in `pem`, `spiffe` or `jwks` format).
 */
import { collectPluginData, field, type ConfigIssue, type PluginData } from '@lanyard/common';

/** One cluster a `k8sbundle` notifier writes to. */
export interface K8sBundleCluster {
  /** `namespace` of the ConfigMap; default `spire`. */
  readonly namespace: string;
  /** `config_map`; default `spire-bundle`. */
  readonly configMap: string;
  /** `config_map_key`; default `bundle.crt`. */
  readonly configMapKey: string;
  /** `webhook_label`: Mutating/ValidatingWebhookConfigurations with this label set to `true` get the CA bundle. */
  readonly webhookLabel?: string;
  /** `api_service_label`: APIServices with this label set to `true` get the CA bundle. */
  readonly apiServiceLabel?: string;
  /** `kube_config_file_path`; unset = in-cluster credentials. */
  readonly kubeConfigFilePath?: string;
}

/** Bundle encodings of `k8s_configmap`. */
export type BundleFormat = 'pem' | 'spiffe' | 'jwks';

/** One cluster a `k8s_configmap` publisher writes to (the key of `clusters` names it). */
export interface K8sConfigMapCluster {
  readonly id: string;
  readonly namespace: string;
  readonly configMapName: string;
  readonly configMapKey: string;
  readonly format: BundleFormat;
  /** `refresh_hint` in seconds, written with the `spiffe` format. */
  readonly refreshHintSeconds?: number;
  /** `kubeconfig_path`; unset = in-cluster credentials. */
  readonly kubeconfigPath?: string;
}

/** The Kubernetes plugins of `plugins {}`: the clusters of each configured plugin block. */
export interface KubeBundlePlugins {
  /** `Notifier "k8sbundle"` blocks. */
  readonly k8sBundle?: readonly (readonly K8sBundleCluster[])[];
  /** `BundlePublisher "k8s_configmap"` blocks. */
  readonly k8sConfigMap?: readonly (readonly K8sConfigMapCluster[])[];
}

const clusterFields = {
  namespace: field.string(),
  config_map: field.string(),
  config_map_key: field.string(),
  webhook_label: field.string(),
  api_service_label: field.string(),
  kube_config_file_path: field.string(),
};

type ClusterKeys = { [K in keyof typeof clusterFields]?: string };

function bundleCluster(keys: ClusterKeys): K8sBundleCluster {
  return {
    namespace: keys.namespace || 'spire',
    configMap: keys.config_map || 'spire-bundle',
    configMapKey: keys.config_map_key || 'bundle.crt',
    webhookLabel: keys.webhook_label || undefined,
    apiServiceLabel: keys.api_service_label || undefined,
    kubeConfigFilePath: keys.kube_config_file_path || undefined,
  };
}

function isObject(value: unknown): value is PluginData {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `clusters` list of `k8sbundle`: each item takes the root keys and must name a kubeconfig. */
function extraClusters(value: unknown, at: readonly string[], issues: ConfigIssue[]): K8sBundleCluster[] {
  if (value === undefined) return [];
  const where = [...at, 'plugin_data', 'clusters'].join('.');
  if (!Array.isArray(value)) {
    issues.push({ path: where, message: 'must be a list of cluster blocks' });
    return [];
  }
  return value.flatMap((item: unknown, i) => {
    if (!isObject(item)) {
      issues.push({ path: `${where}[${i}]`, message: 'must be a block' });
      return [];
    }
    const keys = collectPluginData(item, clusterFields, [`${where}[${i}]`], issues);
    if (keys === undefined) return [];
    if (!keys.kube_config_file_path) {
      issues.push({
        path: `${where}[${i}]`,
        message: 'cluster configuration is missing kube_config_file_path',
      });
      return [];
    }
    return [bundleCluster(keys)];
  });
}

/**
 * `Notifier "k8sbundle"` settings: the root keys form one cluster (in-cluster by default) unless only `clusters`
 * is given, as in SPIRE.
 */
export function k8sBundleSettings(
  data: PluginData,
  at: readonly string[],
  issues: ConfigIssue[],
): K8sBundleCluster[] | undefined {
  const { clusters, ...root } = data;
  const keys = collectPluginData(root, clusterFields, at, issues);
  const extra = extraClusters(clusters, at, issues);
  if (keys === undefined) return undefined;
  const rootSet = Object.values(keys).some((v) => v !== undefined && v !== '');
  return rootSet || extra.length === 0 ? [bundleCluster(keys), ...extra] : extra;
}

const publisherClusterFields = {
  configmap_name: field.string({ required: 'configmap_name is required', nonEmpty: true }),
  configmap_key: field.string({ required: 'configmap_key is required', nonEmpty: true }),
  namespace: field.string({ required: 'namespace is required', nonEmpty: true }),
  kubeconfig_path: field.string(),
  format: field.string({ required: 'format is required', oneOf: ['spiffe', 'jwks', 'pem'] }),
  refresh_hint: field.duration(),
};

/** `BundlePublisher "k8s_configmap"` settings: one entry per `clusters` key (none = nothing is published). */
export function k8sConfigMapSettings(
  data: PluginData,
  at: readonly string[],
  issues: ConfigIssue[],
): K8sConfigMapCluster[] | undefined {
  const decoded = collectPluginData(
    data,
    { clusters: field.map(field.object('k8s_configmap cluster', publisherClusterFields)) },
    at,
    issues,
  );
  if (decoded === undefined) return undefined;
  return Object.entries(decoded.clusters ?? {}).map(([id, c]) => ({
    id,
    namespace: c.namespace ?? '',
    configMapName: c.configmap_name ?? '',
    configMapKey: c.configmap_key ?? '',
    format: (c.format ?? 'pem') as BundleFormat,
    refreshHintSeconds: c.refresh_hint === undefined ? undefined : Math.floor(c.refresh_hint / 1000),
    kubeconfigPath: c.kubeconfig_path || undefined,
  }));
}
