/**
 * The provider's listener, one of three as configured: HTTPS with a certificate and key reloaded from disk
 * (`serving_cert_file`), plain HTTP on a Unix socket (`listen_socket_path`, behind a reverse proxy), or plain HTTP
 * on TCP (`insecure_addr`, for local testing).
 */
import { readFileSync, rmSync, statSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { FailedPreconditionError } from '@lanyard/base';
import type { ServingConfig } from '../config/types';

/** A running listener. */
export interface Listener {
  /** TCP address, or the socket path. */
  readonly address: AddressInfo | string;
  close(): Promise<void>;
}

/** Logs certificate reloads and their failures. */
export interface ListenerLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
}

function readKeyPair(certFile: string, keyFile: string): { cert: Buffer; key: Buffer } {
  try {
    return { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  } catch (err) {
    throw new FailedPreconditionError(
      `unable to load serving certificate: ${(err as Error).message}`,
      'ERR_SERVING_CERT',
    );
  }
}

function listen(server: http.Server, onListen: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    onListen(() => {
      server.off('error', reject);
      resolve();
    });
  });
}

function closer(server: http.Server, after: () => void = () => undefined): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      server.close(() => {
        after();
        resolve();
      });
      server.closeAllConnections();
    });
}

/** HTTPS whose certificate is re-read every `fileSyncIntervalMs` and swapped in when the files change. */
async function serveTls(
  config: Extract<ServingConfig, { kind: 'serving_cert_file' }>,
  handler: http.RequestListener,
  logger: ListenerLogger,
): Promise<Listener> {
  let pair = readKeyPair(config.certFile, config.keyFile);
  const server = https.createServer({ ...pair, minVersion: 'TLSv1.2' }, handler);
  const timer = setInterval(() => {
    try {
      const next = readKeyPair(config.certFile, config.keyFile);
      if (next.cert.equals(pair.cert) && next.key.equals(pair.key)) return;
      server.setSecureContext({ ...next, minVersion: 'TLSv1.2' });
      pair = next;
      logger.info('Serving certificate reloaded', { cert_file_path: config.certFile });
    } catch (err) {
      logger.warn('Keeping the previous serving certificate', { error: (err as Error).message });
    }
  }, config.fileSyncIntervalMs).unref();
  await listen(server, (done) => server.listen(config.port, config.host || undefined, done));
  return { address: server.address() as AddressInfo, close: closer(server, () => clearInterval(timer)) };
}

async function serveUnix(socketPath: string, handler: http.RequestListener): Promise<Listener> {
  try {
    if (statSync(socketPath).isSocket()) rmSync(socketPath);
  } catch {
    // nothing there yet
  }
  const server = http.createServer(handler);
  await listen(server, (done) => server.listen(socketPath, done));
  return { address: socketPath, close: closer(server) };
}

async function serveInsecure(host: string, port: number, handler: http.RequestListener): Promise<Listener> {
  const server = http.createServer(handler);
  await listen(server, (done) => server.listen(port, host || undefined, done));
  return { address: server.address() as AddressInfo, close: closer(server) };
}

/** Starts the configured listener. */
export function startListener(
  config: ServingConfig,
  handler: http.RequestListener,
  logger: ListenerLogger,
): Promise<Listener> {
  switch (config.kind) {
    case 'serving_cert_file':
      return serveTls(config, handler, logger);
    case 'listen_socket_path':
      return serveUnix(config.socketPath, handler);
    case 'insecure_addr':
      return serveInsecure(config.host, config.port, handler);
  }
}
