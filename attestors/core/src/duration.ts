import { InvalidArgumentError, parseDuration } from '@lanyard/base';
import type { PluginConfigReader } from './plugin-config';

/**
 * Reads an optional Go-duration key from `plugin_data` (e.g. `metadata_timeout = "5s"`) as milliseconds.
 * @throws InvalidArgumentError naming the plugin and key when the value is not a duration string.
 */
export function readDuration(reader: PluginConfigReader, plugin: string, key: string): number | undefined {
  const text = reader.string(key);
  if (text === undefined) return undefined;
  try {
    return parseDuration(text);
  } catch (err) {
    throw new InvalidArgumentError(
      `${plugin}: plugin_data.${key} must be a duration such as "5s" or "1m30s"`,
      'ERR_PLUGIN_CONFIG',
      { cause: err },
    );
  }
}
