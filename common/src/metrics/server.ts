/**
 * The Prometheus listener of `telemetry { Prometheus { host, port } }`; like SPIRE it answers on every path.
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenHttp } from '../http-listener';
import type { Metrics } from './registry';

/** A running Prometheus listener. */
export interface PrometheusListener {
  address: AddressInfo;
  close(): Promise<void>;
}

/** Starts serving `metrics` on host:port (port 0 picks a free one). */
export async function startPrometheusListener(
  config: { host: string; port: number },
  metrics: Metrics,
): Promise<PrometheusListener> {
  const server = http.createServer((_req, res) => {
    metrics.exposition().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${err.message}\n`),
    );
  });
  return listenHttp(server, config.port, config.host);
}
