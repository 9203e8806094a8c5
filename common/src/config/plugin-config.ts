/**
 * The one `plugin_data` reader: a plugin describes its keys with the declarative config schema and gets them
 * decoded, with EVERY problem (wrong types, missing keys, unknown keys) reported at once with its position.
 * Positions travel with the data: the server and agent attach them when they read a plugin block
 * ({@link withKeyPositions}), so plugins keep receiving a plain object.
 */
import { assertDecoded, decodeConfig } from './decode';
import { field, type Fields, type Infer, type ObjectSchema } from './schema';
import { pathKey, type ConfigObject, type ConfigValue, type Position } from './tree';

/** `plugin_data` of one plugin block after HCL/JSON parsing: plain values, nested objects and lists. */
export type PluginData = Record<string, unknown>;

const KEY_POSITIONS = Symbol('lanyard.config.keyPositions');

/**
 * Attaches to `data` the positions of its keys, taken from `positions` (a whole file's map) under the key path
 * `at` (e.g. `['plugins', 'NodeAttestor', 'aws_iid', 'plugin_data']`). The positions are not enumerable: the
 * object still looks and serialises like the plain `plugin_data`.
 */
export function withKeyPositions<T extends object>(
  data: T,
  positions: Map<string, Position>,
  at: string[],
): T {
  const prefix = pathKey(at);
  const own = new Map<string, Position>();
  for (const [key, position] of positions) {
    if (!prefix) own.set(key, position);
    else if (key.startsWith(`${prefix}.`)) own.set(key.slice(prefix.length + 1), position);
    else if (key.startsWith(`${prefix}[`)) own.set(key.slice(prefix.length), position);
  }
  Object.defineProperty(data, KEY_POSITIONS, { value: own, enumerable: false, configurable: true });
  return data;
}

function keyPositionsOf(data: object): Map<string, Position> {
  return (data as { [KEY_POSITIONS]?: Map<string, Position> })[KEY_POSITIONS] ?? new Map();
}

/**
 * Decodes a plugin's `plugin_data` with the schema `fields` (build them with {@link field}).
 * @throws ConfigError (InvalidArgument) listing every issue, e.g. `aws_iid: plugin_data.region (line 4,
 *   column 7): must be a string; unknown configuration detected: section "aws_iid plugin_data": keys foo
 *   (line 5, column 7)`.
 */
export function decodePluginData<F extends Fields>(
  plugin: string,
  data: PluginData,
  fields: F,
): NonNullable<Infer<ObjectSchema<F>>> {
  const positions = new Map<string, Position>();
  for (const [key, position] of keyPositionsOf(data)) {
    positions.set(key.startsWith('[') ? `plugin_data${key}` : `plugin_data.${key}`, position);
  }
  const value: ConfigObject = { plugin_data: data as { [key: string]: ConfigValue } };
  const schema = field.object(`${plugin} plugin_data`, fields);
  const decoded = assertDecoded(decodeConfig({ value, positions }, schema, ['plugin_data']), plugin);
  return decoded ?? ({} as NonNullable<Infer<ObjectSchema<F>>>);
}
