/** Loopback fakes of the Kubernetes API server and kubelet, with Kubernetes object builders. */
export * from './https-fake';
export * from './kube-model';
export * from './kube-objects';
export * from './service-account-tokens';
export * from './fake-kube-api';
export * from './fake-kubelet';
