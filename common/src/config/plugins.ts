/**
 * The `plugins {}` block: `<Type> "<name>" { plugin_cmd, plugin_checksum, enabled, plugin_data {..} | plugin_data_file }`.
 */
import { field, type Infer, type MapSchema, type ObjectSchema } from './schema';

/** Schema of one labelled plugin block; `plugin_data` is kept raw for the plugin to validate. */
export const pluginBlockSchema = field.object('plugin', {
  plugin_cmd: field.string(),
  plugin_checksum: field.string(),
  enabled: field.bool(),
  plugin_data: field.raw(),
  plugin_data_file: field.string(),
});

/** Decoded plugin block. */
export type PluginBlock = Infer<typeof pluginBlockSchema>;

/** Schema of `plugins {}` accepting the given plugin types, each as labelled blocks keyed by plugin name. */
export function pluginsSchema<T extends string>(
  types: readonly T[],
  required?: string,
): ObjectSchema<Record<T, MapSchema<typeof pluginBlockSchema>>> {
  const fields = Object.fromEntries(types.map((t) => [t, field.map(pluginBlockSchema)])) as Record<
    T,
    MapSchema<typeof pluginBlockSchema>
  >;
  return field.object('plugins', fields, required);
}
