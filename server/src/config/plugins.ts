/**
 * Maps `plugins {}` to {@link ServerPlugins} through the generic plugin catalog: SPIRE's cardinality per type
 * (one DataStore, one KeyManager, at most one UpstreamAuthority, any number of NodeAttestors), SPIRE's
 * unknown-plugin message, and the built-in plugins' `plugin_data` (Notifier `k8sbundle` and BundlePublisher
 * `k8s_configmap` included). NodeAttestor `plugin_data` stays raw for the
 * attestor to validate when it is built.
 */
import {
  SERVER_PLUGIN_CARDINALITY,
  checkPluginCounts,
  checkRefusedPlugins,
  enabledPlugins,
  findPlugin,
  issueAt,
  readPluginData,
  type ConfigIssue,
  type PluginCatalog,
  type Position,
} from '@lanyard/common';
import {
  BUNDLE_PUBLISHERS,
  DATA_STORES,
  KEY_MANAGERS,
  NOTIFIERS,
  UPSTREAM_AUTHORITIES,
  type ConfigPlugin,
} from './builtin-plugins';
import type { ServerFile } from './schema';
import type { NodeAttestorBlock, ServerPlugins } from './types';

type PluginsBlock = NonNullable<ServerFile['plugins']>;

/** Where the mapper's problems go: the file's key positions and the list of issues. */
interface Report {
  readonly positions: ReadonlyMap<string, Position>;
  readonly issues: ConfigIssue[];
}

/** Settings of the first enabled block of the catalog's type, or `undefined` when there is none usable. */
function mapFirst<C>(
  catalog: PluginCatalog<ConfigPlugin<C>>,
  plugins: PluginsBlock,
  { positions, issues }: Report,
): C | undefined {
  const [first] = enabledPlugins(plugins[catalog.type as keyof PluginsBlock]);
  if (first === undefined) return undefined;
  const [name, block] = first;
  const data = readPluginData(catalog.type, name, block, issues, positions);
  const plugin = findPlugin(catalog, name, issues, positions);
  return plugin?.settings(data, ['plugins', catalog.type, name], issues);
}

/** Settings of every enabled block of the catalog's type (types with any number of plugins). */
function mapAll<C>(
  catalog: PluginCatalog<ConfigPlugin<C>>,
  plugins: PluginsBlock,
  { positions, issues }: Report,
): C[] {
  return enabledPlugins(plugins[catalog.type as keyof PluginsBlock]).flatMap(([name, block]) => {
    const data = readPluginData(catalog.type, name, block, issues, positions);
    const settings = findPlugin(catalog, name, issues, positions)?.settings(
      data,
      ['plugins', catalog.type, name],
      issues,
    );
    return settings === undefined ? [] : [settings];
  });
}

function mapNodeAttestors(plugins: PluginsBlock, { positions, issues }: Report): NodeAttestorBlock[] {
  return Object.entries(plugins.NodeAttestor ?? {}).map(([name, block]) => ({
    name,
    pluginData: readPluginData('NodeAttestor', name, block, issues, positions),
    enabled: block.enabled ?? true,
  }));
}

/** Maps the plugins block; problems are appended to `issues`, placed by the file's `positions`. */
export function mapPlugins(
  plugins: PluginsBlock,
  issues: ConfigIssue[],
  positions: ReadonlyMap<string, Position>,
): ServerPlugins {
  const report: Report = { positions, issues };
  checkPluginCounts(SERVER_PLUGIN_CARDINALITY, plugins, issues, positions);
  checkRefusedPlugins(plugins, issues, positions);
  for (const [name] of enabledPlugins(plugins.CredentialComposer)) {
    issues.push(
      issueAt(
        positions,
        ['plugins', 'CredentialComposer', name],
        'CredentialComposer plugins are not supported by Lanyard',
      ),
    );
  }
  return {
    dataStore: mapFirst(DATA_STORES, plugins, report) ?? { databaseType: 'sqlite3', connectionString: '' },
    keyManager: mapFirst(KEY_MANAGERS, plugins, report) ?? { kind: 'memory' },
    nodeAttestors: mapNodeAttestors(plugins, report),
    upstreamAuthority: mapFirst(UPSTREAM_AUTHORITIES, plugins, report),
    kubeBundle: {
      k8sBundle: mapAll(NOTIFIERS, plugins, report),
      k8sConfigMap: mapAll(BUNDLE_PUBLISHERS, plugins, report),
    },
  };
}
