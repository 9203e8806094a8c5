/**
 * A small Kubernetes API client over `node:https`: connection from the pod's in-cluster files, typed reads and
 * writes. The kubeconfig loader (which needs `yaml`) is exported from `@lanyard/attestor-core/server` only.
 */
export * from './connection';
export * from './types';
export * from './in-cluster';
export * from './client';
