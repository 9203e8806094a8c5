import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { PluginLogger } from '@lanyard/attestor-core';
import { UnavailableError } from '@lanyard/base';

const DROP_WARNING_INTERVAL_MS = 60_000;

/**
 * The TCP listener of the server APIs: our own `net.Server`, so the number of open connections is bounded
 * (`maxConnections`; connections beyond it are closed at accept, with a throttled warning), handing each
 * accepted socket to grpc-js, which runs TLS on it with the given credentials.
 */
export class TcpListener {
  private readonly listener: net.Server;
  private injector: grpc.ConnectionInjector | undefined;
  private lastDropWarning = 0;

  constructor(
    private readonly server: grpc.Server,
    maxConnections: number,
    private readonly logger: PluginLogger,
  ) {
    this.listener = net.createServer((socket) => this.injector?.injectConnection(socket));
    this.listener.maxConnections = maxConnections;
    this.listener.on('drop', () => this.warnDrop(maxConnections));
    this.listener.on('error', (err) => this.logger.error('TCP listener error', { error: String(err) }));
  }

  /**
   * Listens on `host:port` (port 0 picks a free one) and resolves with the port bound.
   * @throws UnavailableError when the address cannot be listened on.
   */
  async listen(host: string, port: number, credentials: grpc.ServerCredentials): Promise<number> {
    this.injector = this.server.createConnectionInjector(credentials);
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
        reject(new UnavailableError(`could not listen on ${address}: ${err.message}`, 'ERR_LISTEN'));
      };
      this.listener.once('error', onError);
      this.listener.listen(port, host, () => {
        this.listener.off('error', onError);
        resolve();
      });
    });
    return (this.listener.address() as net.AddressInfo).port;
  }

  /** Stops accepting connections; the grpc-js server's shutdown ends the open ones. */
  close(): Promise<void> {
    if (!this.listener.listening) return Promise.resolve();
    return new Promise((resolve) => this.listener.close(() => resolve()));
  }

  private warnDrop(maxConnections: number): void {
    const now = Date.now();
    if (now - this.lastDropWarning < DROP_WARNING_INTERVAL_MS) return;
    this.lastDropWarning = now;
    this.logger.warn('Connection refused: too many open connections', { max_connections: maxConnections });
  }
}
