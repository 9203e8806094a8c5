/**
 * @lanyard/attestor-k8s: the `k8s` workload attestor. It maps a caller's pid to its pod and container through
 * `/proc/<pid>/cgroup` and the kubelet's pod list, and returns SPIRE's `k8s:*` selectors.
 */
import type { WorkloadAttestorPlugin } from '@lanyard/attestor-core';
import { K8sWorkloadAttestor } from './attestor';
import { parseK8sConfig } from './config';
import { K8S_PLUGIN_NAME } from './shared';

export * from './shared';
export * from './cgroup';
export * from './config';
export * from './pod';
export * from './pod-list-cache';
export * from './kubelet-client';
export * from './attestor';

/** The plugin the agent's catalog registers as `WorkloadAttestor "k8s"`. */
export const workloadPlugin: WorkloadAttestorPlugin = {
  name: K8S_PLUGIN_NAME,
  create: async (pluginData, deps) => {
    const config = parseK8sConfig(pluginData);
    return new K8sWorkloadAttestor(config, {
      logger: deps.logger,
      procRoot: config.procRoot ?? deps.procRoot,
    });
  },
};
