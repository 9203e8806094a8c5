import type { Role } from '../auth/caller';
import type { MethodSpec } from './boundary';

/** Role sets of SPIRE's default authorization policy. */
export const ROLES = {
  any: ['any'],
  admin: ['local', 'admin'],
  agent: ['agent'],
  local: ['local'],
  adminOrAgent: ['local', 'admin', 'agent'],
  adminAgentOrDownstream: ['local', 'admin', 'agent', 'downstream'],
  downstream: ['downstream'],
  adminOrDownstream: ['local', 'admin', 'downstream'],
} as const satisfies Record<string, readonly Role[]>;

/** Returns a spec factory for one service, e.g. `specsFor('entry')('ListEntries', ROLES.admin)`. */
export function specsFor(service: string, typeName = service.charAt(0).toUpperCase() + service.slice(1)) {
  const fullService = `spire.api.server.${service}.v1.${typeName}`;
  return (method: string, roles: readonly Role[]): MethodSpec => ({ service, fullService, method, roles });
}
