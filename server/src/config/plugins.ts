/**
 * Maps `plugins {}` to {@link ServerPlugins}: one DataStore "sql", one KeyManager ("disk" or "memory"),
 * any number of NodeAttestors (plugin_data kept raw), at most one UpstreamAuthority "disk".
 */
import {
  PluginIssues,
  enabledPlugins,
  readPluginData,
  type ConfigObject,
  type PluginBlock,
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

export { PluginIssues } from '@lanyard/common';

function one(
  type: string,
  blocks: Record<string, PluginBlock> | undefined,
  issues: PluginIssues,
  max: number,
  min: number,
): [string, PluginBlock] | undefined {
  const list = enabledPlugins(blocks);
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

/** Reports every `plugin_data` key this built-in plugin does not read (SPIRE fails start-up on unknown keys). */
function rejectUnknownKeys(
  data: ConfigObject,
  known: readonly string[],
  where: string[],
  issues: PluginIssues,
): void {
  for (const key of Object.keys(data).sort()) {
    if (!known.includes(key)) issues.add([...where, 'plugin_data', key], 'unknown configuration detected');
  }
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
  const data = readPluginData('DataStore', name, block, issues);
  rejectUnknownKeys(data, ['database_type', 'connection_string', 'max_open_conns'], where, issues);
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
  const data = readPluginData('KeyManager', name, block, issues);
  if (name !== 'disk' && name !== 'memory') {
    issues.add(['KeyManager', name], `no such KeyManager builtin "${name}"`);
    return { kind: 'memory' };
  }
  rejectUnknownKeys(data, name === 'disk' ? ['keys_path'] : [], ['KeyManager', name], issues);
  if (name === 'memory') return { kind: 'memory' };
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
  const data = readPluginData('UpstreamAuthority', name, block, issues);
  if (name !== 'disk') {
    issues.add(where, `no such UpstreamAuthority builtin "${name}"`);
    return undefined;
  }
  rejectUnknownKeys(data, ['cert_file_path', 'key_file_path', 'bundle_file_path'], where, issues);
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
    pluginData: readPluginData('NodeAttestor', name, block, issues),
    enabled: block.enabled ?? true,
  }));
}

/** Maps the plugins block; problems are added to `issues`. */
export function mapPlugins(plugins: PluginsBlock, issues: PluginIssues): ServerPlugins {
  for (const type of ['Notifier', 'BundlePublisher', 'CredentialComposer'] as const) {
    for (const [name] of enabledPlugins(plugins[type]))
      issues.add([type, name], `${type} plugins are not supported by Lanyard`);
  }
  return {
    dataStore: mapDataStore(plugins, issues),
    keyManager: mapKeyManager(plugins, issues),
    nodeAttestors: mapNodeAttestors(plugins, issues),
    upstreamAuthority: mapUpstreamAuthority(plugins, issues),
  };
}
