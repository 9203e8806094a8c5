import type { MethodSpec } from './boundary';
import { policyFor } from './policy';

/**
 * Returns a spec factory for one SPIRE service, e.g. `specsFor('entry')('ListEntries')`. The admitted caller
 * kinds come from {@link AUTHORIZATION_POLICY}; a method without a row there throws at registration.
 */
export function specsFor(service: string, typeName = service.charAt(0).toUpperCase() + service.slice(1)) {
  return serviceSpecs(service, `spire.api.server.${service}.v1.${typeName}`);
}

/** Spec factory for any fully qualified service (`grpc.health.v1.Health`), short name `service` for metrics. */
export function serviceSpecs(service: string, fullService: string) {
  return (method: string): MethodSpec => ({
    service,
    fullService,
    method,
    roles: policyFor(fullService, method),
  });
}
