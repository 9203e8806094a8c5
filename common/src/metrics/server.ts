/**
 * The Prometheus listener of `telemetry { Prometheus { host, port, tls? } }`; like SPIRE it answers on every
 * path, over HTTPS when `tls {}` is set.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { listenHttp } from '../http-listener';
import { prometheusTlsOptions, type PrometheusTlsConfig } from './prometheus-tls';
import type { Metrics } from './registry';

/** A running Prometheus listener. */
export interface PrometheusListener {
  address: AddressInfo;
  close(): Promise<void>;
}

/** Starts serving `metrics` on host:port (port 0 picks a free one), over TLS when `config.tls` is set. */
export async function startPrometheusListener(
  config: { host: string; port: number; tls?: PrometheusTlsConfig },
  metrics: Metrics,
): Promise<PrometheusListener> {
  const handler: http.RequestListener = (_req, res) => {
    metrics.exposition().then(
      (text) => res.writeHead(200, { 'Content-Type': metrics.registry.contentType }).end(text),
      (err: Error) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(`${err.message}\n`),
    );
  };
  const server = config.tls
    ? https.createServer(prometheusTlsOptions(config.tls), handler)
    : http.createServer(handler);
  server.headersTimeout = 10_000;
  return listenHttp(server, config.port, config.host);
}
