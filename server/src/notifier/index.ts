/** Publishing the trust bundle to Kubernetes: `Notifier "k8sbundle"` and `BundlePublisher "k8s_configmap"`. */
export { BundleNotifiers, DEFAULT_RESYNC_MS, type KubeConnector } from './bundle-notifiers';
export { encodeBundle } from './bundle-formats';
export type { BundleTarget } from './k8s-targets';
export type { BundleFormat, K8sBundleCluster, K8sConfigMapCluster, KubeBundlePlugins } from './k8s-settings';
