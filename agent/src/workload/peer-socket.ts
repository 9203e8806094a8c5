import * as fs from 'node:fs';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { PluginLogger } from '@lanyard/attestor-core';
import { ConnectionRegistry } from './connections';
import { listenUnix, prepareSocketPath } from './socket';

/** Options of {@link PeerCredentialSocket}. */
export interface PeerCredentialSocketOptions {
  readonly socketPath: string;
  /** The grpc-js server the accepted connections are handed to. */
  readonly grpcServer: grpc.Server;
  /** What the socket serves, for log lines (`Workload API`, `admin API`). */
  readonly name: string;
  readonly logger: PluginLogger;
  /** Root of the proc filesystem the connection registry reads; default `/proc`. */
  readonly procRoot?: string;
  /** Connections accepted at once; further ones are closed at accept. */
  readonly maxConnections: number;
  /** Called for each identified connection before grpc-js sees it (e.g. connection metrics). */
  readonly onConnection?: (socket: net.Socket, registry: ConnectionRegistry) => void;
}

/**
 * A Unix socket whose connections are identified before gRPC sees them: it accepts each connection itself, reads
 * the caller's SO_PEERCRED into a {@link ConnectionRegistry} (so handlers can attest the process), then injects
 * the socket into grpc-js. The Workload API and the agent's admin API each serve on one.
 */
export class PeerCredentialSocket {
  /** The callers connected now, by socket. */
  readonly connections: ConnectionRegistry;
  private readonly listener: net.Server;
  private injector: grpc.ConnectionInjector | undefined;
  /** Set once this socket listens on the path: only then is the socket file ours to remove. */
  private listening = false;

  constructor(private readonly options: PeerCredentialSocketOptions) {
    this.connections = new ConnectionRegistry(options.procRoot);
    this.listener = net.createServer((socket) => this.accept(socket));
    this.listener.maxConnections = options.maxConnections;
    this.listener.on('error', (err) =>
      options.logger.error(`${options.name} listener error`, { error: String(err) }),
    );
  }

  /** Removes a stale socket file, then listens with the given file mode. */
  async listen(mode?: number): Promise<void> {
    await prepareSocketPath(this.options.socketPath);
    this.injector = this.options.grpcServer.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    await listenUnix(this.listener, this.options.socketPath, mode);
    this.listening = true;
  }

  /** Stops accepting, ends every stream and connection of the gRPC server, and removes the socket file. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    this.injector?.destroy();
    this.options.grpcServer.forceShutdown();
    await closed;
    if (this.listening) fs.rmSync(this.options.socketPath, { force: true });
    this.listening = false;
  }

  private accept(socket: net.Socket): void {
    try {
      this.connections.register(socket);
    } catch (err) {
      this.options.logger.error(`Cannot identify ${this.options.name} caller`, { error: String(err) });
      socket.destroy();
      return;
    }
    this.options.onConnection?.(socket, this.connections);
    this.injector?.injectConnection(socket);
  }
}
