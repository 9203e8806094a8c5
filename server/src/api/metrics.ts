import { Counter, Summary, type Registry } from 'prom-client';

/** Records one finished RPC: SPIRE's `spire_server_rpc_<svc>_v1_<svc>_<method>` counter plus elapsed summary. */
export interface RpcMetrics {
  record(service: string, method: string, code: string, elapsedMs: number): void;
}

/** A sink that drops everything (tests, tools). */
export const noRpcMetrics: RpcMetrics = { record: () => undefined };

/**
 * Snake-cases an RPC method name the way SPIRE's metric keys do: an underscore only where a lower-case letter
 * is followed by an upper-case one (`BatchNewX509SVID` → `batch_new_x509svid`).
 */
export function metricMethodName(method: string): string {
  return method.replace(/([a-z])([A-Z])/g, (_m, a: string, b: string) => `${a}_${b}`).toLowerCase();
}

/** Prometheus implementation; metrics are created lazily per method and registered in `registry`. */
export class PrometheusRpcMetrics implements RpcMetrics {
  private readonly counters = new Map<string, { count: Counter<'status'>; elapsed: Summary<'status'> }>();

  constructor(
    private readonly registry: Registry,
    private readonly prefix = 'spire_server',
  ) {}

  record(service: string, method: string, code: string, elapsedMs: number): void {
    const name = `${this.prefix}_rpc_${service}_v1_${service}_${metricMethodName(method)}`;
    let metric = this.counters.get(name);
    if (metric === undefined) {
      metric = {
        count: new Counter({
          name,
          help: `${service}.${method} calls`,
          labelNames: ['status'],
          registers: [this.registry],
        }),
        elapsed: new Summary({
          name: `${name}_elapsed_time`,
          help: `${service}.${method} latency in ms`,
          labelNames: ['status'],
          registers: [this.registry],
        }),
      };
      this.counters.set(name, metric);
    }
    metric.count.inc({ status: code });
    metric.elapsed.observe({ status: code }, elapsedMs);
  }
}
