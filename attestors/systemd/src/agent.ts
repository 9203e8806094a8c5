/**
 * The package's `./agent` entry: the `systemd` workload attestor as the agent's catalog registers it. (A workload
 * attestor has no server half.)
 */
import type { WorkloadAttestorPlugin } from '@lanyard/attestor-core';
import { parseSystemdConfig, SystemdWorkloadAttestor } from './attestor';
import { SYSTEMD_PLUGIN_NAME } from './shared';

export * from './shared';
export * from './attestor';

/** The plugin the agent's catalog registers as `WorkloadAttestor "systemd"`. */
export const workloadPlugin: WorkloadAttestorPlugin = {
  name: SYSTEMD_PLUGIN_NAME,
  create: async (pluginData, deps) =>
    new SystemdWorkloadAttestor(parseSystemdConfig(pluginData), deps.procRoot),
};
