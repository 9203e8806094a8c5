/**
 * The package's `./agent` entry: the `unix` workload attestor as the agent's catalog registers it. (A workload
 * attestor has no server half.)
 */
import type { WorkloadAttestorPlugin } from '@lanyard/attestor-core';
import { UnixWorkloadAttestor } from './attestor';
import { PLUGIN_NAME, parseUnixConfig } from './config';

export { UnixWorkloadAttestor, type UnixAttestorPaths } from './attestor';
export { PLUGIN_NAME, parseUnixConfig, type UnixAttestorConfig } from './config';

/** The plugin the agent's catalog registers as `WorkloadAttestor "unix"`. */
export const workloadPlugin: WorkloadAttestorPlugin = {
  name: PLUGIN_NAME,
  create: async (pluginData, deps) =>
    new UnixWorkloadAttestor(parseUnixConfig(pluginData), { procRoot: deps.procRoot }),
};
