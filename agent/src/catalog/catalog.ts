/**
 * The agent's built-in plugin catalog: node attestors (agent halves) and workload attestors, looked up by
 * the names used in `plugins {}`.
 */
import type {
  AgentAttestorDeps,
  NodeAttestorAgent,
  NodeAttestorAgentPlugin,
  PluginLogger,
  WorkloadAttestor,
  WorkloadAttestorPlugin,
} from '@lanyard/attestor-core';
import * as awsIid from '@lanyard/attestor-aws-iid';
import * as azureImds from '@lanyard/attestor-azure-imds';
import * as azureMsi from '@lanyard/attestor-azure-msi';
import * as gcpIit from '@lanyard/attestor-gcp-iit';
import * as joinToken from '@lanyard/attestor-join-token';
import * as k8s from '@lanyard/attestor-k8s';
import * as k8sPsat from '@lanyard/attestor-k8s-psat';
import * as unix from '@lanyard/attestor-unix';
import { FailedPreconditionError } from '@lanyard/base';
import type { PluginSelection } from '../config/types';

/** Node attestor agent plugins by name. */
export const NODE_ATTESTOR_PLUGINS: ReadonlyMap<string, NodeAttestorAgentPlugin> = byName([
  joinToken.agentPlugin,
  awsIid.agentPlugin,
  gcpIit.agentPlugin,
  azureMsi.agentPlugin,
  azureImds.agentPlugin,
  k8sPsat.agentPlugin,
]);

/** Workload attestor plugins by name. */
export const WORKLOAD_ATTESTOR_PLUGINS: ReadonlyMap<string, WorkloadAttestorPlugin> = byName([
  unix.workloadPlugin,
  k8s.workloadPlugin,
]);

function byName<T extends { name: string }>(plugins: T[]): ReadonlyMap<string, T> {
  return new Map(plugins.map((p) => [p.name, p]));
}

/**
 * Builds the configured node attestor.
 * @throws FailedPreconditionError for an unknown plugin; the plugin's own error for bad plugin_data.
 */
export async function createNodeAttestor(
  selection: PluginSelection,
  deps: AgentAttestorDeps,
): Promise<NodeAttestorAgent> {
  const plugin = NODE_ATTESTOR_PLUGINS.get(selection.name);
  if (!plugin) {
    const known = [...NODE_ATTESTOR_PLUGINS.keys()].sort().join(', ');
    throw new FailedPreconditionError(
      `unknown NodeAttestor plugin "${selection.name}" (available: ${known})`,
    );
  }
  return plugin.create(selection.data, deps);
}

/**
 * Builds the configured workload attestors in order.
 * @throws FailedPreconditionError for an unknown plugin; the plugin's own error for bad plugin_data.
 */
export async function createWorkloadAttestors(
  selections: readonly PluginSelection[],
  logger: PluginLogger,
  procRoot = '/proc',
): Promise<WorkloadAttestor[]> {
  const attestors: WorkloadAttestor[] = [];
  for (const selection of selections) {
    const plugin = WORKLOAD_ATTESTOR_PLUGINS.get(selection.name);
    if (!plugin) {
      const known = [...WORKLOAD_ATTESTOR_PLUGINS.keys()].sort().join(', ');
      throw new FailedPreconditionError(
        `unknown WorkloadAttestor plugin "${selection.name}" (available: ${known})`,
      );
    }
    attestors.push(await plugin.create(selection.data, { logger, procRoot }));
  }
  return attestors;
}
