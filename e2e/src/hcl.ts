/** A value that can appear in a `plugin_data { }` block. */
export type HclValue = string | number | boolean | readonly HclValue[] | { readonly [key: string]: HclValue };

const INDENT = '    ';

/** Renders one HCL value (strings quoted, lists inline, maps as `{ "key" = value }` on their own lines). */
export function hclValue(value: HclValue, depth = 0): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `[${value.map((item: HclValue) => hclValue(item, depth)).join(', ')}]`;
  const pad = INDENT.repeat(depth + 1);
  const lines = Object.entries(value).map(
    ([key, item]) => `${pad}${JSON.stringify(key)} = ${hclValue(item, depth + 1)}`,
  );
  return `{\n${lines.join('\n')}\n${INDENT.repeat(depth)}}`;
}

/**
 * Renders a plugin block for a server or agent config, e.g.
 * `pluginBlock('NodeAttestor', 'aws_iid', { skip_block_device: true })`.
 */
export function pluginBlock(type: string, name: string, data: Record<string, HclValue>): string {
  const body = Object.entries(data)
    .map(([key, value]) => `${INDENT.repeat(3)}${key} = ${hclValue(value, 3)}`)
    .join('\n');
  return `${INDENT}${type} "${name}" {\n${INDENT.repeat(2)}plugin_data {\n${body}\n${INDENT.repeat(2)}}\n${INDENT}}`;
}
