/**
 * The agent's built-in plugin catalogs: node attestors (agent halves) and workload attestors, one line per
 * plugin, looked up by the names used in `plugins {}` through the generic catalog of `@lanyard/common`.
 */
import type {
  AgentAttestorDeps,
  NodeAttestorAgent,
  NodeAttestorAgentPlugin,
  PluginLogger,
  WorkloadAttestor,
  WorkloadAttestorPlugin,
} from '@lanyard/attestor-core';
import { agentPlugin as awsIid } from '@lanyard/attestor-aws-iid/agent';
import { agentPlugin as azureImds } from '@lanyard/attestor-azure-imds/agent';
import { agentPlugin as azureMsi } from '@lanyard/attestor-azure-msi/agent';
import { agentPlugin as gcpIit } from '@lanyard/attestor-gcp-iit/agent';
import { agentPlugin as joinToken } from '@lanyard/attestor-join-token/agent';
import { workloadPlugin as docker } from '@lanyard/attestor-docker/agent';
import { workloadPlugin as k8s } from '@lanyard/attestor-k8s/agent';
import { agentPlugin as k8sPsat } from '@lanyard/attestor-k8s-psat/agent';
import { workloadPlugin as systemd } from '@lanyard/attestor-systemd/agent';
import { workloadPlugin as unix } from '@lanyard/attestor-unix/agent';
import { agentPlugin as x509pop } from '@lanyard/attestor-x509pop/agent';
import { agentCatalog, type PluginCatalog } from '@lanyard/common';
import type { PluginSelection } from '../config/types';
import { awsSecretsManager } from '../svidstore/aws-secretsmanager';
import { gcpSecretManager } from '../svidstore/gcp-secretmanager';
import type { SvidStore, SvidStoreDeps, SvidStorePlugin } from '../svidstore/plugin';

/** `NodeAttestor "<name>"` plugins the agent can load (exactly one is configured). */
export const NODE_ATTESTOR_PLUGINS = agentCatalog<NodeAttestorAgentPlugin>('NodeAttestor', [
  joinToken,
  awsIid,
  gcpIit,
  azureMsi,
  azureImds,
  k8sPsat,
  x509pop,
]);

/** `WorkloadAttestor "<name>"` plugins the agent can load (at least one is configured). */
export const WORKLOAD_ATTESTOR_PLUGINS = agentCatalog<WorkloadAttestorPlugin>('WorkloadAttestor', [
  unix,
  k8s,
  docker,
  systemd,
]);

/** `SVIDStore "<name>"` plugins the agent can load (zero or more). */
export const SVID_STORE_PLUGINS = agentCatalog<SvidStorePlugin>('SVIDStore', [
  awsSecretsManager,
  gcpSecretManager,
]);

/** The catalogs an agent loads its plugins from; tests extend the built-in ones with fixtures. */
export interface AgentCatalogs {
  readonly nodeAttestors: PluginCatalog<NodeAttestorAgentPlugin>;
  readonly workloadAttestors: PluginCatalog<WorkloadAttestorPlugin>;
  readonly svidStores?: PluginCatalog<SvidStorePlugin>;
}

/** The agent's built-in catalogs. */
export const BUILTIN_AGENT_CATALOGS: AgentCatalogs = {
  nodeAttestors: NODE_ATTESTOR_PLUGINS,
  workloadAttestors: WORKLOAD_ATTESTOR_PLUGINS,
  svidStores: SVID_STORE_PLUGINS,
};

/**
 * Builds the configured node attestor.
 * @throws UnknownPluginError (InvalidArgument) for an unknown plugin; the plugin's own error for bad plugin_data.
 */
export async function createNodeAttestor(
  selection: PluginSelection,
  deps: AgentAttestorDeps,
  catalog: PluginCatalog<NodeAttestorAgentPlugin> = NODE_ATTESTOR_PLUGINS,
): Promise<NodeAttestorAgent> {
  return catalog.get(selection.name).create(selection.data, deps);
}

/**
 * Builds the configured workload attestors in order.
 * @throws UnknownPluginError or PluginConstraintError (InvalidArgument) for an unknown plugin or none at all;
 *   the plugin's own error for bad plugin_data.
 */
export async function createWorkloadAttestors(
  selections: readonly PluginSelection[],
  logger: PluginLogger,
  procRoot = '/proc',
  catalog: PluginCatalog<WorkloadAttestorPlugin> = WORKLOAD_ATTESTOR_PLUGINS,
): Promise<WorkloadAttestor[]> {
  const loaded = await catalog.load(selections, (plugin, selection) =>
    plugin.create(selection.data, { logger, procRoot }),
  );
  return [...loaded.values()];
}

/**
 * Builds the configured SVIDStore plugins, keyed by name (the selector type of the entries they store).
 * @throws UnknownPluginError (InvalidArgument) for an unknown plugin; the plugin's ConfigError for bad plugin_data.
 */
export async function createSvidStores(
  selections: readonly PluginSelection[],
  deps: SvidStoreDeps,
  catalog: PluginCatalog<SvidStorePlugin> = SVID_STORE_PLUGINS,
): Promise<Map<string, SvidStore>> {
  return catalog.load(selections, (plugin, selection) => plugin.create(selection.data, deps));
}
