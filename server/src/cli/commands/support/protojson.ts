/**
 * SPIRE's `-output json` printer: protojson with proto field names and unpopulated fields emitted, `null`s
 * stripped, then re-encoded like Go's `encoding/json` (sorted keys, HTML-safe escapes, one line + newline).
 * Field types come from the loaded .proto descriptors, so int64 values become strings, bytes base64, enums names.
 */
import type { Writable } from 'node:stream';
import { loadSpireServerApis } from '@lanyard/proto';

interface FieldDescriptor {
  name: string;
  label: string;
  type: string;
  typeName: string;
}

interface EnumDescriptor {
  name: string;
  value: { name: string; number: number }[];
}

interface MessageDescriptor {
  name: string;
  field: FieldDescriptor[];
  nestedType: MessageDescriptor[];
  enumType: EnumDescriptor[];
  options: { mapEntry?: boolean } | null;
}

type Known = { kind: 'message'; desc: MessageDescriptor } | { kind: 'enum'; desc: EnumDescriptor };

const INT64_TYPES = new Set(['TYPE_INT64', 'TYPE_UINT64', 'TYPE_SINT64', 'TYPE_FIXED64', 'TYPE_SFIXED64']);
const WRAPPERS = /^google\.protobuf\.(Double|Float|Int64|UInt64|Int32|UInt32|Bool|String|Bytes)Value$/;

let registry: Map<string, Known> | undefined;

function registerMessage(map: Map<string, Known>, fullName: string, desc: MessageDescriptor): void {
  map.set(fullName, { kind: 'message', desc });
  for (const nested of desc.nestedType ?? []) registerMessage(map, `${fullName}.${nested.name}`, nested);
  for (const e of desc.enumType ?? []) map.set(`${fullName}.${e.name}`, { kind: 'enum', desc: e });
}

function walk(map: Map<string, Known>, prefix: string, node: unknown, depth: number): void {
  if (depth > 12 || node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
    const fullName = prefix ? `${prefix}.${key}` : key;
    const def = value as { format?: string; type?: unknown } | null;
    if (def && def.format === 'Protocol Buffer 3 DescriptorProto') {
      registerMessage(map, fullName, def.type as MessageDescriptor);
    } else if (def && def.format === 'Protocol Buffer 3 EnumDescriptorProto') {
      map.set(fullName, { kind: 'enum', desc: def.type as EnumDescriptor });
    } else if (typeof value === 'object') {
      walk(map, fullName, value, depth + 1);
    }
  }
}

function types(): Map<string, Known> {
  if (!registry) {
    registry = new Map();
    walk(registry, '', loadSpireServerApis(), 0);
  }
  return registry;
}

/** Resolves a (possibly relative) type reference the way protoc does: innermost scope first. */
function resolve(scope: string, typeName: string): [string, Known] {
  const map = types();
  if (typeName.startsWith('.')) {
    const found = map.get(typeName.slice(1));
    if (found) return [typeName.slice(1), found];
  }
  const parts = scope.split('.');
  for (let i = parts.length; i >= 0; i--) {
    const candidate = [...parts.slice(0, i), typeName].join('.');
    const found = map.get(candidate);
    if (found) return [candidate, found];
  }
  throw new Error(`protojson: unknown type ${typeName} referenced from ${scope}`);
}

function scalar(field: FieldDescriptor, scope: string, value: unknown): unknown {
  if (INT64_TYPES.has(field.type)) return String(value ?? 0);
  if (field.type === 'TYPE_BYTES') return value ? Buffer.from(value as Uint8Array).toString('base64') : '';
  if (field.type === 'TYPE_ENUM') {
    if (typeof value === 'string') return value;
    const [, known] = resolve(scope, field.typeName);
    const values = known.kind === 'enum' ? known.desc.value : [];
    const number = typeof value === 'number' ? value : 0;
    return values.find((v) => v.number === number)?.name ?? number;
  }
  if (field.type === 'TYPE_BOOL') return value ?? false;
  if (field.type === 'TYPE_STRING') return value ?? '';
  return value ?? 0;
}

function fieldValue(field: FieldDescriptor, scope: string, value: unknown): unknown {
  if (field.type !== 'TYPE_MESSAGE') return scalar(field, scope, value);
  if (value === null || value === undefined) return null;
  const [fullName, known] = resolve(scope, field.typeName);
  if (WRAPPERS.test(fullName)) {
    const inner = (value as { value?: unknown }).value;
    return scalar(
      { ...field, type: `TYPE_${fullName.split('.')[2].replace('Value', '').toUpperCase()}` },
      scope,
      inner,
    );
  }
  if (known.kind !== 'message') return null;
  return messageToJson(fullName, known.desc, value);
}

function messageToJson(fullName: string, desc: MessageDescriptor, message: unknown): Record<string, unknown> {
  const source = (message ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const field of desc.field) {
    const value = source[field.name];
    if (field.label === 'LABEL_REPEATED') {
      const items = Array.isArray(value) ? value : [];
      out[field.name] = items.map((item) => fieldValue(field, fullName, item));
    } else {
      out[field.name] = fieldValue(field, fullName, value);
    }
  }
  return out;
}

/** Converts one decoded (or hand-built) message of type `typeName` to its protojson object form. */
export function protoToJson(typeName: string, message: unknown): Record<string, unknown> {
  const known = types().get(typeName);
  if (!known || known.kind !== 'message') throw new Error(`protojson: unknown message type ${typeName}`);
  return messageToJson(typeName, known.desc, message);
}

/** Drops `null`s and sorts object keys, as Go's map round trip does. */
function normalize(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== null).map(normalize);
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== null && v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries.map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

/** `JSON.stringify` with Go's HTML-safe escapes (`<`, `>`, `&`, U+2028, U+2029). */
export function goJsonEncode(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => {
    return `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/** Writes messages as SPIRE does: one message → an object, several → an array; one line plus newline. */
export function printProtoJson(out: Writable, typeName: string, messages: readonly unknown[]): void {
  if (messages.length === 0) return;
  const docs = messages.map((m) => normalize(protoToJson(typeName, m)));
  out.write(`${goJsonEncode(docs.length === 1 ? docs[0] : docs)}\n`);
}

/** Writes a plain struct (Go `encoding/json` of a hand-rolled struct: keys in the given order). */
export function printStructJson(out: Writable, value: unknown): void {
  out.write(`${goJsonEncode(value)}\n`);
}
