export * from './tree';
export * from './errors';
export * from './expand-env';
export * from './schema';
export { decodeConfig, assertDecoded, unknownIssue, asObject, type DecodeResult } from './decode';
export { pluginBlockSchema, pluginsSchema, type PluginBlock } from './plugins';
export { enabledPlugins, readPluginData } from './plugin-data';
export { collectPluginData, decodePluginData, withKeyPositions, type PluginData } from './plugin-config';
export { parseHcl, type ParseHclOptions } from './hcl';
export { parseJsonConfig } from './json';
export { parseConfigText, readConfigFile, type ParseConfigOptions } from './load';
export { inertKeyWarning, inertKeyWarnings, requirePqKemIssue, type InertKey } from './inert-keys';
export {
  LimitValues,
  listenerLimitFields,
  mapListenerLimits,
  type ListenerLimitsBlock,
} from './listener-limits';
