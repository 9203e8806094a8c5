import { rpcMetricKey, type Metrics } from '@lanyard/common';

/**
 * Records one finished RPC: SPIRE's `spire_server_rpc_<pkg>_<svc>_<method>` counter and its
 * `_elapsed_time` summary in milliseconds.
 */
export interface RpcMetrics {
  record(fullService: string, method: string, code: string, elapsedMs: number): void;
}

/** RPC metrics on the shared SPIRE-named Prometheus registry of `@lanyard/common`. */
export function prometheusRpcMetrics(metrics: Metrics): RpcMetrics {
  return {
    record: (fullService, method, code, elapsedMs) =>
      metrics.measureCall(rpcMetricKey(fullService, method), code, elapsedMs),
  };
}
