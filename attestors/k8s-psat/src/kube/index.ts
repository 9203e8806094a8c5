/** A small Kubernetes API client: connection sources (kubeconfig, in-cluster) and the requests k8s_psat makes. */
export * from './connection';
export * from './types';
export * from './kubeconfig';
export * from './in-cluster';
export * from './client';
