/**
 * Config mutators: HCL at the token level (tokens dropped, duplicated or replaced by values of another type or
 * stray punctuation) and JSON at the value level (leaves replaced by arbitrary JSON, keys dropped or added).
 */
import fc from 'fast-check';

/** One mutated config text, labelled. */
export interface ConfigMutation {
  readonly kind: string;
  readonly text: string;
}

const HCL_TOKEN =
  /"(?:[^"\\\n]|\\.)*"|[A-Za-z_][A-Za-z0-9_.-]*|-?\d+(?:\.\d+)?[a-z]*|\/\/[^\n]*|#[^\n]*|\s+|./g;

/** Splits HCL into tokens (strings, identifiers, numbers, comments, whitespace, single characters). */
export function hclTokens(text: string): string[] {
  return text.match(HCL_TOKEN) ?? [];
}

const STRAY = fc.constantFrom(
  '"x"',
  '""',
  '0',
  '-1',
  '1e309',
  '99999999999999999999',
  'true',
  'null',
  '[',
  ']',
  '{',
  '}',
  '=',
  ',',
  '"${UNSET_VAR}"',
  '"\\u0000"',
  '"' + 'a'.repeat(300) + '"',
  '"unix:///"',
  '"1h"',
  '"-5s"',
  '<<EOF',
  '/*',
);

/** Token-level HCL mutations of `text`. */
export function mutatedHcl(text: string): fc.Arbitrary<ConfigMutation> {
  const tokens = hclTokens(text);
  const solid = tokens
    .map((t, i) => [t, i] as const)
    .filter(([t]) => t.trim() !== '')
    .map(([, i]) => i);
  const at = fc.constantFrom(...solid);
  const join = (list: string[]): string => list.join('');
  return fc.oneof(
    at.map((i) => ({
      kind: `drop token ${JSON.stringify(tokens[i])}`,
      text: join(tokens.filter((_, j) => j !== i)),
    })),
    at.map((i) => ({
      kind: `duplicate token ${JSON.stringify(tokens[i])}`,
      text: join(tokens.flatMap((t, j) => (j === i ? [t, ' ', t] : [t]))),
    })),
    fc.tuple(at, STRAY).map(([i, stray]) => ({
      kind: `replace ${JSON.stringify(tokens[i])} with ${stray.slice(0, 20)}`,
      text: join(tokens.map((t, j) => (j === i ? stray : t))),
    })),
    fc.nat({ max: text.length }).map((n) => ({ kind: `truncate at ${n}`, text: text.slice(0, n) })),
  );
}

type Json = unknown;

function leafPaths(value: Json, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (Array.isArray(value)) return value.flatMap((v, i) => leafPaths(v, [...prefix, i]));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, Json>);
    return [prefix, ...entries.flatMap(([k, v]) => leafPaths(v, [...prefix, k]))];
  }
  return [prefix];
}

function setAt(value: Json, pathTo: Array<string | number>, replacement: Json | typeof DROP): Json {
  if (pathTo.length === 0) return replacement === DROP ? {} : replacement;
  const [head, ...rest] = pathTo;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as Record<string, Json>) }) as Record<
    string | number,
    Json
  >;
  if (rest.length === 0 && replacement === DROP) delete copy[head];
  else copy[head] = setAt(copy[head], rest, replacement);
  return copy;
}

const DROP = Symbol('drop');

/** Value-level mutations of a JSON config: a node replaced by arbitrary JSON, dropped, or given an unknown key. */
export function mutatedJson(config: Json): fc.Arbitrary<ConfigMutation> {
  const paths = leafPaths(config);
  const at = fc.constantFrom(...paths);
  const show = (p: Array<string | number>): string => p.join('.') || '(root)';
  return fc.oneof(
    fc.tuple(at, fc.jsonValue({ maxDepth: 2 })).map(([p, v]) => ({
      kind: `${show(p)} = ${JSON.stringify(v).slice(0, 40)}`,
      text: JSON.stringify(setAt(config, p, v)),
    })),
    at.map((p) => ({ kind: `drop ${show(p)}`, text: JSON.stringify(setAt(config, p, DROP)) })),
    fc.tuple(at, fc.string({ minLength: 1, maxLength: 12 })).map(([p, key]) => ({
      kind: `unknown key ${JSON.stringify(key)} under ${show(p.slice(0, -1))}`,
      text: JSON.stringify(setAt(config, [...p.slice(0, -1), key], 1)),
    })),
  );
}
