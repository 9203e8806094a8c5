import { InvalidArgumentError } from '@lanyard/base';
import type { PluginConfigReader } from './plugin-config';

const UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;

/**
 * Parses a Go `time.ParseDuration` string (`300ms`, `5m`, `1h30m`; no `d` unit) into milliseconds.
 * Returns `undefined` when the text is not a valid duration.
 */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  let total = 0;
  PART.lastIndex = 0;
  let consumed = 0;
  while (consumed < text.length) {
    const match = PART.exec(text);
    if (!match) return undefined;
    total += Number(match[1]) * UNITS[match[2]];
    consumed = PART.lastIndex;
  }
  return consumed === 0 ? undefined : total;
}

/**
 * Reads an optional Go-duration key from `plugin_data` (e.g. `metadata_timeout = "5s"`) as milliseconds.
 * @throws InvalidArgumentError naming the plugin and key when the value is not a duration string.
 */
export function readDuration(reader: PluginConfigReader, plugin: string, key: string): number | undefined {
  const text = reader.string(key);
  if (text === undefined) return undefined;
  const ms = parseGoDuration(text);
  if (ms === undefined) {
    throw new InvalidArgumentError(
      `${plugin}: plugin_data.${key} must be a duration such as "5s" or "1m30s"`,
      'ERR_PLUGIN_CONFIG',
    );
  }
  return ms;
}
