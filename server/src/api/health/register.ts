import * as grpc from '@grpc/grpc-js';
import { LanyardError, NotFoundError } from '@lanyard/base';
import type { RpcBoundary } from '../boundary';
import { serviceSpecs } from '../specs';

/** Serving state of the server as health checks see it. */
export interface HealthState {
  /** True once the server is fully started and not shutting down. */
  serving(): boolean;
}

type Status = { status: 'SERVING' | 'NOT_SERVING' };

/** Resolves when the call is cancelled; rejects with DeadlineExceeded after `idleMs` without a change. */
function idleBound(call: grpc.ServerWritableStream<unknown, unknown>, idleMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new LanyardError(
          grpc.status.DEADLINE_EXCEEDED,
          'ERR_STREAM_IDLE',
          `stream idle for ${idleMs} ms (lanyard_limits.stream_idle_timeout)`,
        ),
      );
    }, idleMs);
    call.on('cancelled', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Registers `grpc.health.v1.Health` (Check, List and Watch) for the whole server (`service` '' or any SPIRE
 * API). Like SPIRE, it is served on the admin socket only, to local callers. A Watch stream ends with
 * DeadlineExceeded after `watchIdleMs` (the status does not change while the server runs).
 */
export function registerHealthService(
  server: grpc.Server,
  definition: grpc.ServiceDefinition,
  boundary: RpcBoundary,
  state: HealthState,
  knownServices: ReadonlySet<string>,
  watchIdleMs: number,
): void {
  const spec = serviceSpecs('health', 'grpc.health.v1.Health');
  const current = (): Status => ({ status: state.serving() ? 'SERVING' : 'NOT_SERVING' });
  const statusOf = (service: string): Status => {
    if (service !== '' && !knownServices.has(service))
      throw new NotFoundError('unknown service', 'ERR_UNKNOWN_SERVICE');
    return current();
  };
  server.addService(definition, {
    Check: boundary.unary(spec('Check'), async (req: { service: string }) => statusOf(req.service)),
    List: boundary.unary(spec('List'), async () => ({
      statuses: Object.fromEntries(['', ...knownServices].map((name) => [name, current()])),
    })),
    Watch: boundary.serverStream<{ service: string }, Status>(spec('Watch'), async (call) => {
      call.write(statusOf(call.request.service));
      await idleBound(call, watchIdleMs);
    }),
  });
}
