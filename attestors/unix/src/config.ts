import { decodePluginData, field, type PluginData } from '@lanyard/attestor-core';

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

const UNIX_PLUGIN_DATA = {
  discover_workload_path: field.bool(),
  workload_size_limit: field.int(),
};

/**
 * Reads and validates `plugin_data`.
 * @throws ConfigError (InvalidArgument) listing every wrong type and unknown key with its position.
 */
export function parseUnixConfig(data: PluginData): UnixAttestorConfig {
  const config = decodePluginData(PLUGIN_NAME, data, UNIX_PLUGIN_DATA);
  return {
    discoverWorkloadPath: config.discover_workload_path ?? false,
    workloadSizeLimit: config.workload_size_limit ?? 0,
  };
}
