/**
 * Maps `plugins {}`: exactly one NodeAttestor, one KeyManager (`disk` or `memory`), any number of
 * WorkloadAttestors. `plugin_data` stays raw for each plugin to validate when it is built.
 */
import { readFileSync } from 'node:fs';
import {
  isConfigObject,
  parseConfigText,
  pathKey,
  type ConfigIssue,
  type ConfigObject,
  type PluginBlock,
  type Position,
} from '@lanyard/common';
import type { AgentFile } from './schema';
import type { AgentPlugins, PluginSelection } from './types';

type PluginsBlock = NonNullable<AgentFile['plugins']>;

/** Collects plugin problems with the position of the offending block. */
class PluginIssues {
  constructor(
    readonly issues: ConfigIssue[],
    private readonly positions: Map<string, Position>,
  ) {}

  add(segments: string[], message: string): void {
    const path = pathKey(['plugins', ...segments]);
    this.issues.push({ path, position: this.positions.get(path), message });
  }
}

function enabled(blocks: Record<string, PluginBlock> | undefined): [string, PluginBlock][] {
  return Object.entries(blocks ?? {}).filter(([, block]) => block.enabled !== false);
}

function pluginData(type: string, name: string, block: PluginBlock, issues: PluginIssues): ConfigObject {
  if (block.plugin_cmd !== undefined) {
    issues.add(
      [type, name, 'plugin_cmd'],
      'external plugins are not supported; Lanyard plugins are built in',
    );
  }
  if (block.plugin_data !== undefined && block.plugin_data_file !== undefined) {
    issues.add([type, name], 'only one of plugin_data or plugin_data_file can be set');
  }
  if (block.plugin_data_file !== undefined) {
    try {
      return parseConfigText(readFileSync(block.plugin_data_file, 'utf8')).value;
    } catch (err) {
      const file = JSON.stringify(block.plugin_data_file);
      issues.add([type, name, 'plugin_data_file'], `cannot read ${file}: ${(err as Error).message}`);
      return {};
    }
  }
  const data = block.plugin_data;
  if (data === undefined) return {};
  if (Array.isArray(data) && data.every(isConfigObject)) return Object.assign({}, ...data) as ConfigObject;
  if (!isConfigObject(data as ConfigObject)) {
    issues.add([type, name, 'plugin_data'], 'must be a block (an object)');
    return {};
  }
  return data as ConfigObject;
}

function selections(type: string, plugins: PluginsBlock, issues: PluginIssues): PluginSelection[] {
  const blocks = plugins[type as keyof PluginsBlock];
  return enabled(blocks).map(([name, block]) => ({ name, data: pluginData(type, name, block, issues) }));
}

/** Maps the plugins block; problems are appended to `issues`. */
export function mapAgentPlugins(
  plugins: PluginsBlock,
  issues: ConfigIssue[],
  positions: Map<string, Position>,
): AgentPlugins {
  const collector = new PluginIssues(issues, positions);
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
  for (const [name] of enabled(plugins.SVIDStore)) {
    collector.add(['SVIDStore', name], 'SVIDStore plugins are not supported by Lanyard');
  }
  return {
    nodeAttestor: nodeAttestors[0] ?? { name: '', data: {} },
    keyManager: keyManager === 'disk' ? 'disk' : 'memory',
    workloadAttestors: selections('WorkloadAttestor', plugins, collector),
  };
}
