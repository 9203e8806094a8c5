/**
 * The catalog's rules applied while a config file is mapped, so that `validate` and start-up report every plugin
 * problem at once, with the position of the offending block.
 */
import { issueAt, type ConfigIssue } from '../config/errors';
import { enabledPlugins } from '../config/plugin-data';
import type { PluginBlock } from '../config/plugins';
import type { Position } from '../config/tree';
import { cardinalityViolation, type Cardinality } from './cardinality';
import type { NamedPlugin, PluginCatalog } from './catalog';
import { constraintMessage, unknownPluginMessage } from './errors';

/** Decoded `plugins {}`: blocks by type, then by plugin name. */
export type PluginBlocksByType = Readonly<Partial<Record<string, Record<string, PluginBlock>>>>;

/**
 * Appends to `issues`, at `plugins.<Type>` placed by `positions`, every type of `types` whose number of enabled blocks breaks its cardinality
 * (`plugin type "KeyManager" constraint not satisfied: expected exactly 1 but got 2`).
 */
export function checkPluginCounts(
  types: Readonly<Record<string, Cardinality>>,
  plugins: PluginBlocksByType,
  issues: ConfigIssue[],
  positions: ReadonlyMap<string, Position>,
): void {
  for (const [type, cardinality] of Object.entries(types)) {
    const violation = cardinalityViolation(cardinality, enabledPlugins(plugins[type]).length);
    if (violation !== undefined) {
      issues.push(issueAt(positions, ['plugins', type], constraintMessage(type, violation)));
    }
  }
}

/**
 * The built-in plugin called `name`, or `undefined` after appending to `issues` SPIRE's unknown-plugin message
 * at `plugins.<Type>.<name>`, placed by `positions`.
 */
export function findPlugin<T extends NamedPlugin>(
  catalog: PluginCatalog<T>,
  name: string,
  issues: ConfigIssue[],
  positions: ReadonlyMap<string, Position>,
): T | undefined {
  const plugin = catalog.find(name);
  if (plugin === undefined) {
    issues.push(
      issueAt(positions, ['plugins', catalog.type, name], unknownPluginMessage(catalog.type, name)),
    );
  }
  return plugin;
}

/** SPIRE plugins Lanyard refuses on purpose, by `<Type>` then name, with the reason given to the user. */
export const REFUSED_PLUGINS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  NodeAttestor: {
    tpm_devid:
      'TPM DevID attestation needs a TPM 2.0 device holding the DevID key and an endorsement key to answer ' +
      'credential activation challenges, and Lanyard has no TPM support; use x509pop with a node certificate instead',
  },
};

/**
 * Appends to `issues`, at `plugins.<Type>.<name>`, an error for every enabled block of a plugin Lanyard refuses
 * (`NodeAttestor "tpm_devid" is not supported by Lanyard: …`).
 */
export function checkRefusedPlugins(
  plugins: PluginBlocksByType,
  issues: ConfigIssue[],
  positions: ReadonlyMap<string, Position>,
): void {
  for (const [type, refused] of Object.entries(REFUSED_PLUGINS)) {
    for (const [name] of enabledPlugins(plugins[type])) {
      const reason = refused[name];
      if (reason === undefined) continue;
      issues.push(
        issueAt(
          positions,
          ['plugins', type, name],
          `${type} "${name}" is not supported by Lanyard: ${reason}`,
        ),
      );
    }
  }
}
