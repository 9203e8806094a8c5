import type * as grpc from '@grpc/grpc-js';
import { NotFoundError } from '@lanyard/base';
import type { RpcBoundary } from '../boundary';
import { ROLES } from '../specs';

/** Serving state of the server as health checks see it. */
export interface HealthState {
  /** True once the server is fully started and not shutting down. */
  serving(): boolean;
}

const spec = (method: string) => ({
  service: 'health',
  fullService: 'grpc.health.v1.Health',
  method,
  roles: ROLES.any,
});

/** Registers `grpc.health.v1.Health` (Check and Watch) for the whole server (`service` '' or any SPIRE API). */
export function registerHealthService(
  server: grpc.Server,
  definition: grpc.ServiceDefinition,
  boundary: RpcBoundary,
  state: HealthState,
  knownServices: ReadonlySet<string>,
): void {
  const statusOf = (service: string) => {
    if (service !== '' && !knownServices.has(service))
      throw new NotFoundError('unknown service', 'ERR_UNKNOWN_SERVICE');
    return { status: state.serving() ? 'SERVING' : 'NOT_SERVING' };
  };
  server.addService(definition, {
    Check: boundary.unary(spec('Check'), async (req: { service: string }) => statusOf(req.service)),
    Watch: boundary.serverStream<{ service: string }, { status: string }>(spec('Watch'), async (call) => {
      call.write(statusOf(call.request.service));
      await new Promise<void>((resolve) => call.on('cancelled', () => resolve()));
    }),
  });
}
