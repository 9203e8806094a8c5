/**
 * Walks a parsed config tree against an {@link ObjectSchema}: converts values, collects type errors,
 * missing required keys and unknown keys (grouped per section, as SPIRE reports them).
 */
import { ConfigError, issueAt, type ConfigIssue } from './errors';
import { decodeScalar, type Infer, type ObjectSchema, type Schema, type UnknownKeys } from './schema';
import {
  formatPosition,
  isConfigObject,
  pathKey,
  type ConfigObject,
  type ConfigValue,
  type ParsedConfig,
  type Position,
} from './tree';

/** Outcome of {@link decodeConfig}. */
export interface DecodeResult<T> {
  value: T;
  /** Type errors and missing required keys. */
  issues: ConfigIssue[];
  /** Unknown keys per section, sections in order of appearance, keys sorted. */
  unknown: UnknownKeys[];
}

interface Walk {
  parsed: ParsedConfig;
  issues: ConfigIssue[];
  unknown: Map<string, ConfigIssue[]>;
}

/**
 * Decodes `parsed` with `schema`, or the block at path `at` (e.g. `['telemetry']`; the value is then
 * undefined when that block is absent). Never throws for bad input: problems are returned.
 */
export function decodeConfig<S extends ObjectSchema>(
  parsed: ParsedConfig,
  schema: S,
  at: string[] = [],
): DecodeResult<Infer<S>> {
  const walk: Walk = { parsed, issues: [], unknown: new Map() };
  let node: ConfigValue | undefined = parsed.value;
  for (const segment of at) node = node === undefined ? undefined : asObject(node)?.[segment];
  const value = (node === undefined ? undefined : decodeNode(walk, schema, node, at)) as Infer<S>;
  const unknown = [...walk.unknown].map(([section, keys]) => ({
    section,
    keys: keys.sort((a, b) => a.path.localeCompare(b.path)),
  }));
  return { value, issues: walk.issues, unknown };
}

/** Throws a {@link ConfigError} listing every issue and unknown key of `result`, if there are any. */
export function assertDecoded<T>(result: DecodeResult<T>, prefix?: string): T {
  const issues = [...result.issues, ...result.unknown.map(unknownIssue)];
  if (issues.length > 0) throw new ConfigError(issues, prefix);
  return result.value;
}

/** One issue summarising a section's unknown keys, in SPIRE's words plus positions. */
export function unknownIssue(group: UnknownKeys): ConfigIssue {
  const keys = group.keys.map((k) => `${k.path}${formatPosition(k.position)}`).join(', ');
  return {
    path: '',
    message: `unknown configuration detected: section "${group.section}": keys ${keys}`,
    standalone: true,
  };
}

function decodeNode(walk: Walk, schema: Schema, value: ConfigValue, path: string[]): unknown {
  if (schema.kind === 'object' || schema.kind === 'map') {
    const object = asObject(value);
    if (!object) {
      issue(walk, path, 'must be a block (an object)');
      return undefined;
    }
    return schema.kind === 'object'
      ? decodeObject(walk, schema, object, path)
      : decodeMap(walk, schema.values, object, path);
  }
  const decoded = decodeScalar(schema, value);
  if (decoded.error) issue(walk, path, decoded.error);
  return decoded.value;
}

function decodeObject(
  walk: Walk,
  schema: ObjectSchema,
  object: ConfigObject,
  path: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    if (value === undefined) continue; // a key set to undefined (by code, never by a file) is absent
    const child = schema.fields[key];
    if (!child) {
      const list = walk.unknown.get(schema.section) ?? [];
      list.push({
        path: key,
        position: walk.parsed.positions.get(pathKey([...path, key])),
        message: 'unknown key',
      });
      walk.unknown.set(schema.section, list);
      continue;
    }
    const decoded = decodeNode(walk, child, value, [...path, key]);
    if (decoded !== undefined) out[key] = decoded;
  }
  for (const [key, child] of Object.entries(schema.fields)) {
    if (child.required && object[key] === undefined) {
      walk.issues.push({
        path: pathKey([...path, key]),
        position: positionOf(walk, path),
        message: child.required,
        standalone: true,
      });
    }
  }
  return out;
}

function decodeMap(
  walk: Walk,
  values: Schema,
  object: ConfigObject,
  path: string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    const decoded = decodeNode(walk, values, value, [...path, key]);
    if (decoded !== undefined) out[key] = decoded;
  }
  return out;
}

/**
 * A block is an object, or (HCL's JSON form and repeated blocks) a list of objects merged in order.
 * Returns undefined for anything else.
 */
export function asObject(value: ConfigValue | undefined): ConfigObject | undefined {
  if (isConfigObject(value)) return value;
  if (!Array.isArray(value) || !value.every(isConfigObject)) return undefined;
  const merged: ConfigObject = {};
  for (const item of value as ConfigObject[]) {
    for (const [key, inner] of Object.entries(item)) {
      const existing = merged[key];
      const both = existing !== undefined && asObject(existing) && asObject(inner);
      merged[key] = both ? (asObject([...asList(existing), ...asList(inner)]) as ConfigObject) : inner;
    }
  }
  return merged;
}

function asList(value: ConfigValue): ConfigValue[] {
  return Array.isArray(value) ? value : [value];
}

function issue(walk: Walk, path: string[], message: string): void {
  walk.issues.push(issueAt(walk.parsed.positions, path, message));
}

function positionOf(walk: Walk, path: string[]): Position | undefined {
  return path.length ? walk.parsed.positions.get(pathKey(path)) : undefined;
}
