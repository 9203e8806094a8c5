/**
 * The one `plugin_data` reader: a plugin describes its keys with the declarative config schema and gets them
 * decoded, with EVERY problem (wrong types, missing keys, unknown keys) reported at once with its position.
 * Positions travel with the data: the server and agent attach them when they read a plugin block
 * ({@link withKeyPositions}), so plugins keep receiving a plain object.
 */
import { assertDecoded, decodeConfig, unknownIssue, type DecodeResult } from './decode';
import type { ConfigIssue } from './errors';
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
  positions: ReadonlyMap<string, Position>,
  at: readonly string[],
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

type Decoded<F extends Fields> = NonNullable<Infer<ObjectSchema<F>>>;

function decodeWithSection<F extends Fields>(
  section: string,
  data: PluginData,
  fields: F,
): DecodeResult<Infer<ObjectSchema<F>>> {
  const positions = new Map<string, Position>();
  for (const [key, position] of keyPositionsOf(data)) {
    positions.set(key.startsWith('[') ? `plugin_data${key}` : `plugin_data.${key}`, position);
  }
  const value: ConfigObject = { plugin_data: data as { [key: string]: ConfigValue } };
  return decodeConfig({ value, positions }, field.object(section, fields), ['plugin_data']);
}

/**
 * Decodes a plugin's `plugin_data` with the schema `fields` (build them with {@link field}).
 * @throws ConfigError (InvalidArgument) listing every issue, e.g. `aws_iid: plugin_data.region (line 4,
 *   column 7): must be a string; unknown configuration detected: section "aws_iid plugin_data": keys foo
 *   (line 5, column 7)`.
 */
export function decodePluginData<F extends Fields>(plugin: string, data: PluginData, fields: F): Decoded<F> {
  const decoded = assertDecoded(decodeWithSection(`${plugin} plugin_data`, data, fields), plugin);
  return decoded ?? ({} as Decoded<F>);
}

/**
 * Decodes like {@link decodePluginData}, for a config mapper that reports a whole file's problems at once:
 * every problem is appended to `issues` under the plugin block's path `at` (e.g.
 * `plugins.KeyManager.disk.plugin_data.keys_path: keys_path must be set`, or unknown keys of the section
 * `plugins.KeyManager.disk.plugin_data`), and the result is then `undefined`.
 */
export function collectPluginData<F extends Fields>(
  data: PluginData,
  fields: F,
  at: readonly string[],
  issues: ConfigIssue[],
): Decoded<F> | undefined {
  const result = decodeWithSection(pathKey([...at, 'plugin_data']), data, fields);
  const block = pathKey(at);
  const found = [
    ...result.issues.map((issue) => ({ ...issue, path: `${block}.${issue.path}`, standalone: false })),
    ...result.unknown.map(unknownIssue),
  ];
  issues.push(...found);
  return found.length > 0 ? undefined : (result.value ?? ({} as Decoded<F>));
}
