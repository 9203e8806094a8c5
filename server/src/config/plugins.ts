/**
 * Maps `plugins {}` to {@link ServerPlugins}: one DataStore "sql", one KeyManager ("disk" or "memory"),
 * any number of NodeAttestors (plugin_data kept raw), at most one UpstreamAuthority "disk".
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
import type { ServerFile } from './schema';
import type {
  DataStoreConfig,
  KeyManagerConfig,
  NodeAttestorBlock,
  ServerPlugins,
  UpstreamAuthorityConfig,
} from './types';

type PluginsBlock = NonNullable<ServerFile['plugins']>;

/** Collects issues while mapping, pointing at the plugin's key. */
export class PluginIssues {
  readonly issues: ConfigIssue[] = [];

  constructor(private readonly positions: Map<string, Position>) {}

  add(segments: string[], message: string): void {
    const path = pathKey(['plugins', ...segments]);
    this.issues.push({ path, position: this.positions.get(path), message });
  }
}

/** Enabled blocks of one plugin type, in file order. */
function enabled(blocks: Record<string, PluginBlock> | undefined): [string, PluginBlock][] {
  return Object.entries(blocks ?? {}).filter(([, block]) => block.enabled !== false);
}

/** The plugin's settings: `plugin_data`, or the file named by `plugin_data_file` (HCL or JSON). */
function pluginData(type: string, name: string, block: PluginBlock, issues: PluginIssues): ConfigObject {
  if (block.plugin_cmd !== undefined)
    issues.add(
      [type, name, 'plugin_cmd'],
      'external plugins are not supported; Lanyard plugins are built in',
    );
  if (block.plugin_data !== undefined && block.plugin_data_file !== undefined) {
    issues.add([type, name], 'only one of plugin_data or plugin_data_file can be set');
  }
  if (block.plugin_data_file !== undefined) {
    try {
      return parseConfigText(readFileSync(block.plugin_data_file, 'utf8')).value;
    } catch (err) {
      issues.add(
        [type, name, 'plugin_data_file'],
        `cannot read ${JSON.stringify(block.plugin_data_file)}: ${(err as Error).message}`,
      );
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

function one(
  type: string,
  blocks: Record<string, PluginBlock> | undefined,
  issues: PluginIssues,
  max: number,
  min: number,
): [string, PluginBlock] | undefined {
  const list = enabled(blocks);
  if (list.length < min || list.length > max) {
    const want = min === max ? `exactly ${min}` : `at most ${max}`;
    issues.add([type], `requires ${want} ${type} plugin(s); got ${list.length}`);
  }
  return list[0];
}

function stringSetting(
  data: ConfigObject,
  key: string,
  where: string[],
  issues: PluginIssues,
  required: boolean,
): string | undefined {
  const value = data[key];
  if (value === undefined || value === '') {
    if (required) issues.add([...where, 'plugin_data', key], `${key} must be set`);
    return undefined;
  }
  if (typeof value !== 'string') {
    issues.add([...where, 'plugin_data', key], 'must be a string');
    return undefined;
  }
  return value;
}

function mapDataStore(plugins: PluginsBlock, issues: PluginIssues): DataStoreConfig {
  const found = one('DataStore', plugins.DataStore, issues, 1, 1);
  const fallback: DataStoreConfig = { databaseType: 'sqlite3', connectionString: '' };
  if (!found) return fallback;
  const [name, block] = found;
  if (name !== 'sql') {
    issues.add(['DataStore', name], `no such DataStore builtin "${name}"`);
    return fallback;
  }
  const where = ['DataStore', name];
  const data = pluginData('DataStore', name, block, issues);
  const type = stringSetting(data, 'database_type', where, issues, true);
  if (type !== undefined && type !== 'sqlite3' && type !== 'postgres') {
    issues.add(
      [...where, 'plugin_data', 'database_type'],
      `unsupported database_type "${type}": use sqlite3 or postgres`,
    );
  }
  const connectionString = stringSetting(data, 'connection_string', where, issues, true) ?? '';
  const maxOpen = data.max_open_conns;
  if (
    maxOpen !== undefined &&
    !(typeof maxOpen === 'number' && Number.isSafeInteger(maxOpen) && maxOpen > 0)
  ) {
    issues.add([...where, 'plugin_data', 'max_open_conns'], 'must be a positive integer');
  }
  return {
    databaseType: type === 'postgres' ? 'postgres' : 'sqlite3',
    connectionString,
    maxOpenConns: typeof maxOpen === 'number' ? maxOpen : undefined,
  };
}

function mapKeyManager(plugins: PluginsBlock, issues: PluginIssues): KeyManagerConfig {
  const found = one('KeyManager', plugins.KeyManager, issues, 1, 1);
  if (!found) return { kind: 'memory' };
  const [name, block] = found;
  const data = pluginData('KeyManager', name, block, issues);
  if (name === 'memory') return { kind: 'memory' };
  if (name !== 'disk') {
    issues.add(['KeyManager', name], `no such KeyManager builtin "${name}"`);
    return { kind: 'memory' };
  }
  return {
    kind: 'disk',
    keysPath: stringSetting(data, 'keys_path', ['KeyManager', name], issues, true) ?? '',
  };
}

function mapUpstreamAuthority(
  plugins: PluginsBlock,
  issues: PluginIssues,
): UpstreamAuthorityConfig | undefined {
  const found = one('UpstreamAuthority', plugins.UpstreamAuthority, issues, 1, 0);
  if (!found) return undefined;
  const [name, block] = found;
  const where = ['UpstreamAuthority', name];
  const data = pluginData('UpstreamAuthority', name, block, issues);
  if (name !== 'disk') {
    issues.add(where, `no such UpstreamAuthority builtin "${name}"`);
    return undefined;
  }
  return {
    kind: 'disk',
    certFilePath: stringSetting(data, 'cert_file_path', where, issues, true) ?? '',
    keyFilePath: stringSetting(data, 'key_file_path', where, issues, true) ?? '',
    bundleFilePath: stringSetting(data, 'bundle_file_path', where, issues, false),
  };
}

function mapNodeAttestors(plugins: PluginsBlock, issues: PluginIssues): NodeAttestorBlock[] {
  return Object.entries(plugins.NodeAttestor ?? {}).map(([name, block]) => ({
    name,
    pluginData: pluginData('NodeAttestor', name, block, issues),
    enabled: block.enabled ?? true,
  }));
}

/** Maps the plugins block; problems are added to `issues`. */
export function mapPlugins(plugins: PluginsBlock, issues: PluginIssues): ServerPlugins {
  for (const type of ['Notifier', 'BundlePublisher', 'CredentialComposer'] as const) {
    for (const [name] of enabled(plugins[type]))
      issues.add([type, name], `${type} plugins are not supported by Lanyard`);
  }
  return {
    dataStore: mapDataStore(plugins, issues),
    keyManager: mapKeyManager(plugins, issues),
    nodeAttestors: mapNodeAttestors(plugins, issues),
    upstreamAuthority: mapUpstreamAuthority(plugins, issues),
  };
}
