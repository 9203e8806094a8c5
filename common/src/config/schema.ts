/**
 * A small declarative schema for config sections. Build schemas with {@link field}, decode a parsed tree
 * with {@link decodeConfig}; the decoded value's TypeScript type follows from the schema ({@link Infer}).
 *
 * Follows SPIRE's rules: keys not in a section's schema are collected per section and reported as
 * `unknown configuration detected`; required keys report SPIRE's own message (e.g.
 * `trust_domain must be configured`); wrong types name the key path and its position.
 */
import type { ConfigIssue } from './errors';
import { parseDuration } from '@lanyard/base';

/** A string, optionally limited to some values. */
export interface StringSchema {
  kind: 'string';
  required?: string;
  oneOf?: readonly string[];
  /** Compare `oneOf` ignoring case; the decoded value is then lower-cased. */
  ignoreCase?: boolean;
  /** Refuse `""` (a path or address that must name something). */
  nonEmpty?: boolean;
}
/** An integer (numbers, or strings holding an integer, as HCL v1 accepts). */
export interface IntSchema {
  kind: 'int';
  required?: string;
  min?: number;
  max?: number;
}
/** A boolean. */
export interface BoolSchema {
  kind: 'bool';
  required?: string;
}
/** A Go duration string, decoded to milliseconds. */
export interface DurationSchema {
  kind: 'duration';
  required?: string;
  allowNegative?: boolean;
}
/** A list of strings. */
export interface StringListSchema {
  kind: 'stringList';
  required?: string;
}
/** Any value, kept as parsed (for `plugin_data`, validated later by the plugin). */
export interface RawSchema {
  kind: 'raw';
  required?: string;
}
/** A block with known keys. `section` names it in unknown-key reports (`server`, `health check`, ...). */
export interface ObjectSchema<F extends Fields = Fields> {
  kind: 'object';
  section: string;
  fields: F;
  required?: string;
}
/** A block whose keys are names chosen by the user (labelled blocks such as `NodeAttestor "aws_iid" {}`). */
export interface MapSchema<V extends Schema = Schema> {
  kind: 'map';
  values: V;
  required?: string;
}

/** Any schema node. */
export type Schema =
  | StringSchema
  | IntSchema
  | BoolSchema
  | DurationSchema
  | StringListSchema
  | RawSchema
  | ObjectSchema
  | MapSchema;

/** Keys of an object schema. */
export type Fields = { readonly [key: string]: Schema };

/** The decoded TypeScript type of a schema. Keys are optional: defaults are the caller's business. */
export type Infer<S> = S extends StringSchema
  ? string
  : S extends IntSchema | DurationSchema
    ? number
    : S extends BoolSchema
      ? boolean
      : S extends StringListSchema
        ? string[]
        : S extends RawSchema
          ? unknown
          : S extends ObjectSchema<infer F>
            ? { [K in keyof F]?: Infer<F[K]> }
            : S extends MapSchema<infer V>
              ? Record<string, Infer<V>>
              : never;

/** Schema builders. */
export const field = {
  string: (options: Omit<StringSchema, 'kind'> = {}): StringSchema => ({ kind: 'string', ...options }),
  int: (options: Omit<IntSchema, 'kind'> = {}): IntSchema => ({ kind: 'int', ...options }),
  bool: (options: Omit<BoolSchema, 'kind'> = {}): BoolSchema => ({ kind: 'bool', ...options }),
  duration: (options: Omit<DurationSchema, 'kind'> = {}): DurationSchema => ({
    kind: 'duration',
    ...options,
  }),
  stringList: (options: Omit<StringListSchema, 'kind'> = {}): StringListSchema => ({
    kind: 'stringList',
    ...options,
  }),
  raw: (options: Omit<RawSchema, 'kind'> = {}): RawSchema => ({ kind: 'raw', ...options }),
  object: <F extends Fields>(section: string, fields: F, required?: string): ObjectSchema<F> => ({
    kind: 'object',
    section,
    fields,
    required,
  }),
  map: <V extends Schema>(values: V, required?: string): MapSchema<V> => ({ kind: 'map', values, required }),
};

/** Converts one scalar; returns the decoded value or an issue message. */
export function decodeScalar(schema: Schema, value: unknown): { value?: unknown; error?: string } {
  switch (schema.kind) {
    case 'string':
      return decodeString(schema, value);
    case 'int':
      return decodeInt(schema, value);
    case 'bool':
      return typeof value === 'boolean' ? { value } : { error: 'must be a boolean' };
    case 'duration':
      if (typeof value !== 'string') return { error: 'must be a duration string such as "1h30m"' };
      try {
        return { value: parseDuration(value, { allowNegative: schema.allowNegative }) };
      } catch (err) {
        return { error: (err as Error).message };
      }
    case 'stringList':
      if (!Array.isArray(value)) return { error: 'must be a list of strings' };
      if (!value.every((v) => typeof v === 'string' || typeof v === 'number'))
        return { error: 'must be a list of strings' };
      return { value: value.map(String) };
    default:
      return { value };
  }
}

function decodeString(schema: StringSchema, value: unknown): { value?: unknown; error?: string } {
  if (typeof value !== 'string' && typeof value !== 'number') return { error: 'must be a string' };
  const text = schema.ignoreCase ? String(value).toLowerCase() : String(value);
  if (schema.nonEmpty && text === '') return { error: 'must not be empty' };
  if (schema.oneOf) {
    const allowed = schema.ignoreCase ? schema.oneOf.map((v) => v.toLowerCase()) : schema.oneOf;
    if (!allowed.includes(text))
      return { error: `must be one of ${schema.oneOf.join(', ')} (got ${JSON.stringify(value)})` };
  }
  return { value: text };
}

function decodeInt(schema: IntSchema, value: unknown): { value?: unknown; error?: string } {
  const number = typeof value === 'string' && /^[-+]?\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) return { error: 'must be an integer' };
  if (schema.min !== undefined && number < schema.min) return { error: `must be at least ${schema.min}` };
  if (schema.max !== undefined && number > schema.max) return { error: `must be at most ${schema.max}` };
  return { value: number };
}

/** Unknown keys found in one section. */
export interface UnknownKeys {
  section: string;
  keys: ConfigIssue[];
}

export { decodeConfig, type DecodeResult } from './decode';
