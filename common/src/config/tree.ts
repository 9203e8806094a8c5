/**
 * The value tree every config parser (HCL or JSON) produces, and the key positions that go with it.
 */

/** A scalar, list or object found in a config file. */
export type ConfigValue = string | number | boolean | ConfigValue[] | ConfigObject;

/** An object (block body) of a config file. */
export interface ConfigObject {
  [key: string]: ConfigValue;
}

/** A 1-based line and column in a config file. */
export interface Position {
  line: number;
  column: number;
}

/** A parsed config file: the value tree plus the position of every key, keyed by {@link pathKey}. */
export interface ParsedConfig {
  value: ConfigObject;
  positions: Map<string, Position>;
  /** File name for messages, when the text came from a file. */
  filename?: string;
}

const PLAIN_SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * Renders a key path the way error messages show it: `server.bind_port`,
 * `federation.federates_with["other.td"].bundle_endpoint_url`.
 */
export function pathKey(segments: readonly string[]): string {
  let out = '';
  for (const segment of segments) {
    if (PLAIN_SEGMENT.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** Formats a position as ` (line 4, column 3)`, or an empty string when unknown. */
export function formatPosition(position: Position | undefined): string {
  return position ? ` (line ${position.line}, column ${position.column})` : '';
}

/** True for a plain object value (a block body), false for scalars and lists. */
export function isConfigObject(value: ConfigValue | undefined): value is ConfigObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
