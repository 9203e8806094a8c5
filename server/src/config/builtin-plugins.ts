/**
 * The server's built-in DataStore, KeyManager and UpstreamAuthority plugins as config-level catalogs: each entry
 * names the `plugin_data` keys it reads and maps them to typed settings.
 */
import { serverCatalog, type ConfigObject, type PluginIssues } from '@lanyard/common';
import type { DataStoreConfig, KeyManagerConfig, UpstreamAuthorityConfig } from './types';

/** A built-in plugin whose settings the config mapper reads itself. */
export interface ConfigPlugin<C> {
  readonly name: string;
  /** Every `plugin_data` key the plugin reads; any other key is reported. */
  readonly knownKeys: readonly string[];
  /** Maps checked `plugin_data` (at `where`) to settings; problems go to `issues`. */
  map(data: ConfigObject, where: string[], issues: PluginIssues): C;
}

/** A string setting; missing (when required) or non-string values are reported. */
export function stringSetting(
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

const sqlDataStore: ConfigPlugin<DataStoreConfig> = {
  name: 'sql',
  knownKeys: ['database_type', 'connection_string', 'max_open_conns'],
  map(data, where, issues) {
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
  },
};

const diskKeyManager: ConfigPlugin<KeyManagerConfig> = {
  name: 'disk',
  knownKeys: ['keys_path'],
  map: (data, where, issues) => ({
    kind: 'disk',
    keysPath: stringSetting(data, 'keys_path', where, issues, true) ?? '',
  }),
};

const memoryKeyManager: ConfigPlugin<KeyManagerConfig> = {
  name: 'memory',
  knownKeys: [],
  map: () => ({ kind: 'memory' }),
};

const diskUpstreamAuthority: ConfigPlugin<UpstreamAuthorityConfig> = {
  name: 'disk',
  knownKeys: ['cert_file_path', 'key_file_path', 'bundle_file_path'],
  map: (data, where, issues) => ({
    kind: 'disk',
    certFilePath: stringSetting(data, 'cert_file_path', where, issues, true) ?? '',
    keyFilePath: stringSetting(data, 'key_file_path', where, issues, true) ?? '',
    bundleFilePath: stringSetting(data, 'bundle_file_path', where, issues, false),
  }),
};

/** `DataStore "<name>"` plugins. */
export const DATA_STORES = serverCatalog('DataStore', [sqlDataStore]);
/** `KeyManager "<name>"` plugins. */
export const KEY_MANAGERS = serverCatalog('KeyManager', [diskKeyManager, memoryKeyManager]);
/** `UpstreamAuthority "<name>"` plugins. */
export const UPSTREAM_AUTHORITIES = serverCatalog('UpstreamAuthority', [diskUpstreamAuthority]);
