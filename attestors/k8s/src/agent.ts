/**
 * The package's `./agent` entry: the `k8s` workload attestor as the agent's catalog registers it. (A workload
 * attestor has no server half.)
 */
import type { WorkloadAttestorPlugin } from '@lanyard/attestor-core';
import { K8sWorkloadAttestor } from './attestor';
import { parseK8sConfig } from './config';
import { K8S_PLUGIN_NAME } from './shared';

export * from './shared';
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
