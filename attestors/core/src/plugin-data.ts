/**
 * The `plugin_data` reader attestors use: the declarative config schema of `@lanyard/common`, reporting every
 * issue at once with its position. See {@link decodePluginData}.
 */
export { decodePluginData, field, type PluginData } from '@lanyard/common';
