import type { Selector } from '@lanyard/attestor-core';

/** Plugin name as configured: `WorkloadAttestor "k8s"`. */
export const K8S_PLUGIN_NAME = 'k8s';

/** A `k8s` selector; parts are joined with `:` (`pod-label:<k>:<v>`). */
export function k8sSelector(...parts: string[]): Selector {
  return { type: K8S_PLUGIN_NAME, value: parts.join(':') };
}
