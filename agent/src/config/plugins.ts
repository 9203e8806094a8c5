/**
 * Maps `plugins {}`: exactly one NodeAttestor, one KeyManager (`disk` or `memory`), any number of
 * WorkloadAttestors. `plugin_data` stays raw for each plugin to validate when it is built.
 */
import {
  PluginIssues,
  enabledPlugins,
  readPluginData,
  type ConfigIssue,
  type Position,
} from '@lanyard/common';
import type { AgentFile } from './schema';
import type { AgentPlugins, PluginSelection } from './types';

type PluginsBlock = NonNullable<AgentFile['plugins']>;

function selections(type: string, plugins: PluginsBlock, issues: PluginIssues): PluginSelection[] {
  const blocks = plugins[type as keyof PluginsBlock];
  return enabledPlugins(blocks).map(([name, block]) => ({
    name,
    data: readPluginData(type, name, block, issues),
  }));
}

/** Maps the plugins block; problems are appended to `issues`. */
export function mapAgentPlugins(
  plugins: PluginsBlock,
  issues: ConfigIssue[],
  positions: Map<string, Position>,
): AgentPlugins {
  const collector = new PluginIssues(positions, issues);
  const nodeAttestors = selections('NodeAttestor', plugins, collector);
  if (nodeAttestors.length !== 1) {
    collector.add(['NodeAttestor'], `requires exactly 1 NodeAttestor plugin; got ${nodeAttestors.length}`);
  }
  const keyManagers = selections('KeyManager', plugins, collector);
  if (keyManagers.length !== 1) {
    collector.add(['KeyManager'], `requires exactly 1 KeyManager plugin; got ${keyManagers.length}`);
  }
  const keyManager = keyManagers[0]?.name ?? 'memory';
  if (keyManager !== 'disk' && keyManager !== 'memory') {
    collector.add(
      ['KeyManager', keyManager],
      `no such KeyManager builtin "${keyManager}"; use disk or memory`,
    );
  }
  for (const [name] of enabledPlugins(plugins.SVIDStore)) {
    collector.add(['SVIDStore', name], 'SVIDStore plugins are not supported by Lanyard');
  }
  return {
    nodeAttestor: nodeAttestors[0] ?? { name: '', data: {} },
    keyManager: keyManager === 'disk' ? 'disk' : 'memory',
    workloadAttestors: selections('WorkloadAttestor', plugins, collector),
  };
}
