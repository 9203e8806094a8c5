/**
 * The package's `./agent` entry: the `docker` workload attestor as the agent's catalog registers it. (A workload
 * attestor has no server half.)
 */
import type { WorkloadAttestorPlugin } from '@lanyard/attestor-core';
import { DockerWorkloadAttestor } from './attestor';
import { parseDockerConfig } from './config';
import { DOCKER_PLUGIN_NAME } from './shared';

export * from './shared';
export * from './attestor';
export { parseDockerConfig, type DockerWorkloadConfig } from './config';

/** The plugin the agent's catalog registers as `WorkloadAttestor "docker"`. */
export const workloadPlugin: WorkloadAttestorPlugin = {
  name: DOCKER_PLUGIN_NAME,
  create: async (pluginData, deps) =>
    new DockerWorkloadAttestor(parseDockerConfig(pluginData), {
      logger: deps.logger,
      procRoot: deps.procRoot,
    }),
};
