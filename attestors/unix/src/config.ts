import { PluginConfigReader, type PluginData } from '@lanyard/attestor-core';

/** The plugin name as written in agent config: `WorkloadAttestor "unix"`. */
export const PLUGIN_NAME = 'unix';

/** `plugin_data` of the unix workload attestor (SPIRE's keys). */
export interface UnixAttestorConfig {
  /** `discover_workload_path`: add `unix:path` and `unix:sha256` selectors (default false). */
  readonly discoverWorkloadPath: boolean;
  /**
   * `workload_size_limit`: largest executable (bytes) to hash for `unix:sha256`; 0 = unlimited (default),
   * negative = never hash.
   */
  readonly workloadSizeLimit: number;
}

/**
 * Reads and validates `plugin_data`.
 * @throws InvalidArgumentError naming the key for wrong types or unknown keys.
 */
export function parseUnixConfig(data: PluginData): UnixAttestorConfig {
  const reader = new PluginConfigReader(PLUGIN_NAME, data);
  const config = {
    discoverWorkloadPath: reader.boolean('discover_workload_path') ?? false,
    workloadSizeLimit: reader.integer('workload_size_limit') ?? 0,
  };
  reader.rejectUnknownKeys();
  return config;
}
