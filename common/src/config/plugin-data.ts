/**
 * Reading decoded `plugins {}` blocks, shared by the server and agent config mappers: which blocks are enabled,
 * and each plugin's `plugin_data` (or `plugin_data_file`) with its key positions attached, ready for
 * {@link decodePluginData}.
 */
import { readFileSync } from 'node:fs';
import { issueAt, type ConfigIssue } from './errors';
import { parseConfigText } from './load';
import { withKeyPositions } from './plugin-config';
import type { PluginBlock } from './plugins';
import { isConfigObject, type ConfigObject, type Position } from './tree';

/** Enabled blocks of one plugin type (`enabled = false` left out), in file order. */
export function enabledPlugins(blocks: Record<string, PluginBlock> | undefined): [string, PluginBlock][] {
  return Object.entries(blocks ?? {}).filter(([, block]) => block.enabled !== false);
}

/**
 * The plugin's settings: `plugin_data` (one block, or several merged), or the file named by `plugin_data_file`
 * (HCL or JSON). `plugin_cmd`, both sources at once, an unreadable file or a non-block `plugin_data` are
 * appended to `issues` at `plugins.<type>.<name>…`, placed by the file's `positions` (the settings are then
 * `{}` where nothing usable remains).
 */
export function readPluginData(
  type: string,
  name: string,
  block: PluginBlock,
  issues: ConfigIssue[],
  positions: ReadonlyMap<string, Position>,
): ConfigObject {
  const at = ['plugins', type, name];
  if (block.plugin_cmd !== undefined) {
    issues.push(
      issueAt(
        positions,
        [...at, 'plugin_cmd'],
        'external plugins are not supported; Lanyard plugins are built in',
      ),
    );
  }
  if (block.plugin_data !== undefined && block.plugin_data_file !== undefined) {
    issues.push(issueAt(positions, at, 'only one of plugin_data or plugin_data_file can be set'));
  }
  if (block.plugin_data_file !== undefined) {
    try {
      const parsed = parseConfigText(readFileSync(block.plugin_data_file, 'utf8'));
      return withKeyPositions(parsed.value, parsed.positions, []);
    } catch (err) {
      const file = JSON.stringify(block.plugin_data_file);
      issues.push(
        issueAt(positions, [...at, 'plugin_data_file'], `cannot read ${file}: ${(err as Error).message}`),
      );
      return {};
    }
  }
  const data = block.plugin_data;
  if (data === undefined) return {};
  const dataAt = [...at, 'plugin_data'];
  if (Array.isArray(data) && data.every(isConfigObject)) {
    return withKeyPositions(Object.assign({}, ...data) as ConfigObject, positions, dataAt);
  }
  if (!isConfigObject(data as ConfigObject)) {
    issues.push(issueAt(positions, dataAt, 'must be a block (an object)'));
    return {};
  }
  return withKeyPositions(data as ConfigObject, positions, dataAt);
}
