/**
 * @lanyard/attestor-unix: the `unix` workload attestor (uid, gid, user and group names, supplementary groups,
 * and optionally executable path and SHA-256).
 */
import type { WorkloadAttestorPlugin } from '@lanyard/attestor-core';
import { UnixWorkloadAttestor } from './attestor';
import { PLUGIN_NAME, parseUnixConfig } from './config';

export { UnixWorkloadAttestor, type UnixAttestorPaths } from './attestor';
export { PLUGIN_NAME, parseUnixConfig, type UnixAttestorConfig } from './config';
export { parseProcStatus, type ProcessIds } from './proc';
export { parseNameDatabase } from './name-db';

/** The plugin the agent's catalog registers as `WorkloadAttestor "unix"`. */
export const workloadPlugin: WorkloadAttestorPlugin = {
  name: PLUGIN_NAME,
  create: async (pluginData, deps) =>
    new UnixWorkloadAttestor(parseUnixConfig(pluginData), { procRoot: deps.procRoot }),
};
