import type { Struct, Value } from '@lanyard/proto';

/** Converts a JSON value to `google.protobuf.Value` (numbers become doubles, null becomes NULL_VALUE). protobufjs spells the well-known types camelCase. */
export function toProtoValue(value: unknown): Value {
  if (value === null || value === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof value === 'number') return { numberValue: value };
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (Array.isArray(value)) return { listValue: { values: value.map(toProtoValue) } };
  if (typeof value === 'object') return { structValue: toProtoStruct(value as Record<string, unknown>) };
  return { stringValue: String(value) };
}

/** Converts a JSON object to `google.protobuf.Struct`. */
export function toProtoStruct(object: Record<string, unknown>): Struct {
  const fields: Record<string, Value> = {};
  for (const [key, value] of Object.entries(object)) fields[key] = toProtoValue(value);
  return { fields };
}
