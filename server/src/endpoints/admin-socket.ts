import * as fs from 'node:fs';
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import type { PluginLogger } from '@lanyard/attestor-core';
import { UnavailableError, preparePrivateSocketDir } from '@lanyard/base';
import { AdminPeerRegistry, type AdminPeer } from './admin-peers';

/**
 * Makes the socket directory (0750) or checks that an existing one is ours and writable by nobody else, then
 * removes a stale socket file left by a previous run.
 */
function prepareSocketPath(socketPath: string): void {
  preparePrivateSocketDir(socketPath, 'socket_path');
  const stat = fs.lstatSync(socketPath, { throwIfNoEntry: false });
  if (stat === undefined) return;
  if (!stat.isSocket()) {
    throw new UnavailableError(`socket_path ${socketPath} exists and is not a socket`, 'ERR_SOCKET_PATH');
  }
  fs.unlinkSync(socketPath);
}

/**
 * The server's local admin API listener: our own `net.Server` on the Unix socket, so each connection's peer
 * credentials (uid, gid, binary path) are read before the socket is handed to grpc-js through a connection
 * injector. The socket is `0770` in a `0750` directory; a stale socket file is replaced. At most
 * `maxConnections` connections are open at once; further ones are closed at accept.
 */
export class AdminSocket {
  private readonly peers = new AdminPeerRegistry();
  private readonly listener: net.Server;
  private injector: grpc.ConnectionInjector | undefined;

  constructor(
    private readonly server: grpc.Server,
    readonly socketPath: string,
    private readonly logger: PluginLogger,
    maxConnections: number,
  ) {
    this.listener = net.createServer((socket) => this.accept(socket));
    this.listener.maxConnections = maxConnections;
    this.listener.on('error', (err) =>
      this.logger.error('Admin socket listener error', { error: String(err) }),
    );
  }

  /**
   * Prepares the path and starts accepting connections.
   * @throws UnavailableError when the path holds a non-socket file or cannot be listened on.
   */
  async listen(): Promise<void> {
    prepareSocketPath(this.socketPath);
    this.injector = this.server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void =>
        reject(
          new UnavailableError(`could not listen on unix:${this.socketPath}: ${err.message}`, 'ERR_LISTEN'),
        );
      this.listener.once('error', onError);
      this.listener.listen(this.socketPath, () => {
        this.listener.off('error', onError);
        resolve();
      });
    });
    fs.chmodSync(this.socketPath, 0o770);
  }

  /** The process behind a call's connection (`call.getPeer()`), when its credentials could be read. */
  peerOf(peer: string): AdminPeer | undefined {
    return this.peers.get(peer);
  }

  /** Stops accepting new connections; the grpc-js server's shutdown ends the open ones. */
  close(): Promise<void> {
    if (!this.listener.listening) return Promise.resolve();
    return new Promise((resolve) => this.listener.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    try {
      this.peers.register(socket);
    } catch (err) {
      // Every local caller is an admin: a caller we cannot identify is still served, without caller_uid/gid/path.
      this.logger.warn('Cannot read admin socket caller credentials', { error: String(err) });
    }
    this.injector?.injectConnection(socket);
  }
}
