/**
 * `grpc.health.v1.Health` (Check, List, Watch) backed by a status table that the process updates.
 * The empty service name stands for the whole server.
 */
import { EventEmitter } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { loadHealthApi, type HealthHandlers } from '@lanyard/proto';

/** Serving states of `grpc.health.v1`. */
export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/** Service name → serving status; emits `change` (service, status) on updates. */
export class HealthStatusTable extends EventEmitter {
  private readonly statuses = new Map<string, ServingStatus>();

  constructor(initial: Record<string, ServingStatus> = { '': 'SERVING' }) {
    super();
    for (const [service, status] of Object.entries(initial)) this.statuses.set(service, status);
  }

  /** Sets a service's status and notifies watchers when it changed. */
  set(service: string, status: ServingStatus): void {
    if (this.statuses.get(service) === status) return;
    this.statuses.set(service, status);
    this.emit('change', service, status);
  }

  /** Status of a service, or undefined when it was never set. */
  get(service: string): ServingStatus | undefined {
    return this.statuses.get(service);
  }

  /** Every known service and its status. */
  all(): Record<string, ServingStatus> {
    return Object.fromEntries(this.statuses);
  }
}

/** Handlers implementing `grpc.health.v1.Health` over `table`. */
export function healthHandlers(table: HealthStatusTable): HealthHandlers {
  return {
    Check(call, callback) {
      const status = table.get(call.request.service ?? '');
      if (!status)
        callback({
          code: grpc.status.NOT_FOUND,
          details: `unknown service ${JSON.stringify(call.request.service)}`,
        });
      else callback(null, { status });
    },
    List(_call, callback) {
      const statuses = Object.fromEntries(
        Object.entries(table.all()).map(([service, status]) => [service, { status }]),
      );
      callback(null, { statuses });
    },
    Watch(call) {
      const service = call.request.service ?? '';
      const send = (status: ServingStatus): void => {
        call.write({ status });
      };
      const onChange = (changed: string, status: ServingStatus): void => {
        if (changed === service) send(status);
      };
      send(table.get(service) ?? 'SERVICE_UNKNOWN');
      table.on('change', onChange);
      call.on('cancelled', () => table.off('change', onChange));
      call.on('close', () => table.off('change', onChange));
    },
  };
}

/** Registers the Health service on a grpc-js server. */
export function addHealthService(server: grpc.Server, table: HealthStatusTable): void {
  server.addService(
    loadHealthApi().grpc.health.v1.Health.service,
    healthHandlers(table) as grpc.UntypedServiceImplementation,
  );
}
