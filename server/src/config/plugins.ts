/**
 * Maps `plugins {}` to {@link ServerPlugins} through the generic plugin catalog: SPIRE's cardinality per type
 * (one DataStore, one KeyManager, at most one UpstreamAuthority, any number of NodeAttestors), SPIRE's
 * unknown-plugin message, and the built-in plugins' `plugin_data`. NodeAttestor `plugin_data` stays raw for the
 * attestor to validate when it is built.
 */
import {
  PluginIssues,
  SERVER_PLUGIN_CARDINALITY,
  checkPluginCounts,
  enabledPlugins,
  findPlugin,
  readPluginData,
  type ConfigObject,
  type PluginCatalog,
} from '@lanyard/common';
import { DATA_STORES, KEY_MANAGERS, UPSTREAM_AUTHORITIES, type ConfigPlugin } from './builtin-plugins';
import type { ServerFile } from './schema';
import type { NodeAttestorBlock, ServerPlugins } from './types';

type PluginsBlock = NonNullable<ServerFile['plugins']>;

export { PluginIssues } from '@lanyard/common';

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

/** Settings of the first enabled block of the catalog's type, or `undefined` when there is none usable. */
function mapFirst<C>(
  catalog: PluginCatalog<ConfigPlugin<C>>,
  plugins: PluginsBlock,
  issues: PluginIssues,
): C | undefined {
  const [first] = enabledPlugins(plugins[catalog.type as keyof PluginsBlock]);
  if (first === undefined) return undefined;
  const [name, block] = first;
  const where = [catalog.type, name];
  const data = readPluginData(catalog.type, name, block, issues);
  const plugin = findPlugin(catalog, name, issues);
  if (plugin === undefined) return undefined;
  rejectUnknownKeys(data, plugin.knownKeys, where, issues);
  return plugin.map(data, where, issues);
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
  checkPluginCounts(SERVER_PLUGIN_CARDINALITY, plugins, issues);
  for (const type of ['Notifier', 'BundlePublisher', 'CredentialComposer'] as const) {
    for (const [name] of enabledPlugins(plugins[type]))
      issues.add([type, name], `${type} plugins are not supported by Lanyard`);
  }
  return {
    dataStore: mapFirst(DATA_STORES, plugins, issues) ?? { databaseType: 'sqlite3', connectionString: '' },
    keyManager: mapFirst(KEY_MANAGERS, plugins, issues) ?? { kind: 'memory' },
    nodeAttestors: mapNodeAttestors(plugins, issues),
    upstreamAuthority: mapFirst(UPSTREAM_AUTHORITIES, plugins, issues),
  };
}
