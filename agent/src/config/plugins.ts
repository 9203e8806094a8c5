/**
 * Maps `plugins {}` through the generic plugin catalog: SPIRE's agent cardinality (exactly one NodeAttestor,
 * exactly one KeyManager, at least one WorkloadAttestor, any number of SVIDStores) and SPIRE's unknown-plugin
 * message for the KeyManager. Attestor and SVIDStore `plugin_data` stays raw for each plugin to validate when the
 * agent's catalog builds it.
 */
import * as path from 'node:path';
import {
  AGENT_PLUGIN_CARDINALITY,
  agentCatalog,
  checkPluginCounts,
  checkRefusedPlugins,
  collectPluginData,
  field,
  enabledPlugins,
  findPlugin,
  readPluginData,
  type ConfigIssue,
  type Position,
} from '@lanyard/common';
import type { AgentFile } from './schema';
import type { AgentPlugins, PluginSelection } from './types';

type PluginsBlock = NonNullable<AgentFile['plugins']>;

/** `KeyManager "<name>"` plugins: `disk` keeps the agent SVID and key in data_dir, `memory` re-attests. */
const KEY_MANAGERS = agentCatalog('KeyManager', [{ name: 'disk' as const }, { name: 'memory' as const }]);

function selections(
  type: keyof PluginsBlock,
  plugins: PluginsBlock,
  issues: ConfigIssue[],
  positions: ReadonlyMap<string, Position>,
): PluginSelection[] {
  return enabledPlugins(plugins[type]).map(([name, block]) => ({
    name,
    data: readPluginData(type, name, block, issues, positions),
  }));
}

/** `plugin_data` of the agent's KeyManagers: `disk` may name the key `directory`; `memory` takes nothing. */
function keyDirectoryOf(keyManager: PluginSelection | undefined, issues: ConfigIssue[]): string | undefined {
  if (keyManager === undefined) return undefined;
  const at = ['plugins', 'KeyManager', keyManager.name];
  if (keyManager.name !== 'disk') {
    collectPluginData(keyManager.data, {}, at, issues);
    return undefined;
  }
  const fields = { directory: field.string({ nonEmpty: true }) };
  const directory = collectPluginData(keyManager.data, fields, at, issues)?.directory;
  return directory === undefined ? undefined : path.resolve(directory);
}

/** Maps the plugins block; problems are appended to `issues`. */
export function mapAgentPlugins(
  plugins: PluginsBlock,
  issues: ConfigIssue[],
  positions: ReadonlyMap<string, Position>,
): AgentPlugins {
  checkPluginCounts(AGENT_PLUGIN_CARDINALITY, plugins, issues, positions);
  checkRefusedPlugins(plugins, issues, positions);
  const nodeAttestors = selections('NodeAttestor', plugins, issues, positions);
  const [keyManager] = selections('KeyManager', plugins, issues, positions);
  const known =
    keyManager === undefined ? undefined : findPlugin(KEY_MANAGERS, keyManager.name, issues, positions);
  return {
    nodeAttestor: nodeAttestors[0] ?? { name: '', data: {} },
    keyManager: known?.name ?? 'memory',
    keyDirectory: known ? keyDirectoryOf(keyManager, issues) : undefined,
    workloadAttestors: selections('WorkloadAttestor', plugins, issues, positions),
    svidStores: selections('SVIDStore', plugins, issues, positions),
  };
}
