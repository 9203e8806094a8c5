/**
 * The catalog's rules applied while a config file is mapped, so that `validate` and start-up report every plugin
 * problem at once, with the position of the offending block.
 */
import { enabledPlugins, type PluginIssues } from '../config/plugin-data';
import type { PluginBlock } from '../config/plugins';
import { cardinalityViolation, type Cardinality } from './cardinality';
import type { NamedPlugin, PluginCatalog } from './catalog';
import { constraintMessage, unknownPluginMessage } from './errors';

/** Decoded `plugins {}`: blocks by type, then by plugin name. */
export type PluginBlocksByType = Readonly<Partial<Record<string, Record<string, PluginBlock>>>>;

/**
 * Records at `plugins.<Type>` every type of `types` whose number of enabled blocks breaks its cardinality
 * (`plugin type "KeyManager" constraint not satisfied: expected exactly 1 but got 2`).
 */
export function checkPluginCounts(
  types: Readonly<Record<string, Cardinality>>,
  plugins: PluginBlocksByType,
  issues: PluginIssues,
): void {
  for (const [type, cardinality] of Object.entries(types)) {
    const violation = cardinalityViolation(cardinality, enabledPlugins(plugins[type]).length);
    if (violation !== undefined) issues.add([type], constraintMessage(type, violation));
  }
}

/**
 * The built-in plugin called `name`, or `undefined` after recording SPIRE's unknown-plugin message at
 * `plugins.<Type>.<name>`.
 */
export function findPlugin<T extends NamedPlugin>(
  catalog: PluginCatalog<T>,
  name: string,
  issues: PluginIssues,
): T | undefined {
  const plugin = catalog.find(name);
  if (plugin === undefined) issues.add([catalog.type, name], unknownPluginMessage(catalog.type, name));
  return plugin;
}
