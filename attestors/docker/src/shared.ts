import type { Selector } from '@lanyard/attestor-core';

/** Plugin name as configured: `WorkloadAttestor "docker"`. */
export const DOCKER_PLUGIN_NAME = 'docker';

/** A `docker` selector; parts are joined with `:` (`label:<k>:<v>`). */
export function dockerSelector(...parts: string[]): Selector {
  return { type: DOCKER_PLUGIN_NAME, value: parts.join(':') };
}
