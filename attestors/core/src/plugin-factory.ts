import type {
  AgentAttestorDeps,
  NodeAttestorAgent,
  NodeAttestorServer,
  ServerAttestorDeps,
} from './node-attestor';
import type { PluginData } from './plugin-data';
import type { WorkloadAttestor, WorkloadAttestorDeps } from './workload-attestor';

/**
 * How every attestor package exposes itself to the server's and agent's plugin catalogs.
 * `create` validates `plugin_data` (unknown keys and wrong types are InvalidArgument errors naming the key)
 * and may be async to load files (CA bundles, kubeconfigs).
 */
export interface NodeAttestorServerPlugin {
  /** Plugin name as written in config: `NodeAttestor "<name>"`. */
  readonly name: string;
  create(pluginData: PluginData, deps: ServerAttestorDeps): Promise<NodeAttestorServer>;
}

/** Agent half of a node attestor, as registered in the agent's catalog. */
export interface NodeAttestorAgentPlugin {
  readonly name: string;
  create(pluginData: PluginData, deps: AgentAttestorDeps): Promise<NodeAttestorAgent>;
}

/** A workload attestor, as registered in the agent's catalog. */
export interface WorkloadAttestorPlugin {
  readonly name: string;
  create(pluginData: PluginData, deps: WorkloadAttestorDeps): Promise<WorkloadAttestor>;
}
