/**
 * @lanyard/attestor-k8s: the `k8s` workload attestor. It maps a caller's pid to its pod and container through
 * `/proc/<pid>/cgroup` and the kubelet's pod list, and returns SPIRE's `k8s:*` selectors. The agent imports
 * `@lanyard/attestor-k8s/agent`.
 */
export * from './agent';
export * from './cgroup';
export * from './config';
export * from './pod';
export * from './pod-list-cache';
export * from './kubelet-client';
