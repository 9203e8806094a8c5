import type { Selector } from '@lanyard/attestor-core';

/** Plugin name as configured: `WorkloadAttestor "systemd"`. */
export const SYSTEMD_PLUGIN_NAME = 'systemd';

/** A `systemd` selector: `id:<unit>` or `fragment_path:<path>`. */
export function systemdSelector(kind: 'id' | 'fragment_path', value: string): Selector {
  return { type: SYSTEMD_PLUGIN_NAME, value: `${kind}:${value}` };
}
