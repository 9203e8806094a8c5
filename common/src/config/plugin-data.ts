/**
 * Reading decoded `plugins {}` blocks, shared by the server and agent config mappers: which blocks are enabled,
 * and each plugin's settings from `plugin_data` or `plugin_data_file`.
 */
import { readFileSync } from 'node:fs';
import type { ConfigIssue } from './errors';
import { parseConfigText } from './load';
import { withKeyPositions } from './plugin-config';
import type { PluginBlock } from './plugins';
import { isConfigObject, pathKey, type ConfigObject, type Position } from './tree';

/** Collects plugin problems with the position of the offending block (paths start at `plugins`). */
export class PluginIssues {
  /**
   * @param positions - where each config path stands in the file.
   * @param issues - the list problems are appended to (a new one by default).
   */
  constructor(
    readonly positions: Map<string, Position>,
    readonly issues: ConfigIssue[] = [],
  ) {}

  /** Records `message` at `plugins.<segments…>`. */
  add(segments: string[], message: string): void {
    const path = pathKey(['plugins', ...segments]);
    this.issues.push({ path, position: this.positions.get(path), message });
  }
}

/** Enabled blocks of one plugin type (`enabled = false` left out), in file order. */
export function enabledPlugins(blocks: Record<string, PluginBlock> | undefined): [string, PluginBlock][] {
  return Object.entries(blocks ?? {}).filter(([, block]) => block.enabled !== false);
}

/**
 * The plugin's settings: `plugin_data` (one block, or several merged), or the file named by `plugin_data_file`
 * (HCL or JSON). `plugin_cmd`, both sources at once, an unreadable file or a non-block `plugin_data` are
 * recorded in `issues` (the settings are then `{}` where nothing usable remains).
 */
export function readPluginData(
  type: string,
  name: string,
  block: PluginBlock,
  issues: PluginIssues,
): ConfigObject {
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
      const parsed = parseConfigText(readFileSync(block.plugin_data_file, 'utf8'));
      return withKeyPositions(parsed.value, parsed.positions, []);
    } catch (err) {
      const file = JSON.stringify(block.plugin_data_file);
      issues.add([type, name, 'plugin_data_file'], `cannot read ${file}: ${(err as Error).message}`);
      return {};
    }
  }
  const data = block.plugin_data;
  if (data === undefined) return {};
  const at = ['plugins', type, name, 'plugin_data'];
  if (Array.isArray(data) && data.every(isConfigObject)) {
    return withKeyPositions(Object.assign({}, ...data) as ConfigObject, issues.positions, at);
  }
  if (!isConfigObject(data as ConfigObject)) {
    issues.add([type, name, 'plugin_data'], 'must be a block (an object)');
    return {};
  }
  return withKeyPositions(data as ConfigObject, issues.positions, at);
}
