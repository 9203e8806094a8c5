import * as fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { PluginLogger } from '@lanyard/attestor-core';
import { encodePem } from '@lanyard/base';
import { grpcServerOptions } from '@lanyard/common';
import { RpcBoundary } from '../api/boundary';
import type { RpcMetrics } from '../api/metrics';
import type { Authorizer } from '../auth/authorizer';
import type { Caller } from '../auth/caller';
import type { ServerLimits } from '../limits';
import { AdminSocket } from './admin-socket';
import { warnIfOpenFilesTooFew } from './open-files';
import { PeerIdentityResolver } from './peer-identity';
import type { ServerSvidRotator } from './server-svid';
import { TcpListener } from './tcp-listener';
import { RotatingServerCredentials } from './tls-credentials';

/** Registers the API services on one listener's server (`tcp` or `uds`), wrapped by that listener's boundary. */
export type ServiceRegistrar = (server: grpc.Server, boundary: RpcBoundary, listener: 'tcp' | 'uds') => void;

/** Options of {@link Endpoints}. */
export interface EndpointsOptions {
  /** `socket_path`: local admin API (Unix socket). */
  socketPath: string;
  /** `bind_address` / `bind_port`: agent + admin APIs over TLS. Port 0 picks a free port. */
  bindAddress: string;
  bindPort: number;
  trustDomain: string;
  svid: ServerSvidRotator;
  /** DER roots client certificates must chain to (our trust bundle as stored, merged across HA servers). */
  trustedRoots: () => Buffer[];
  authorizer: Authorizer;
  logger: PluginLogger;
  metrics: RpcMetrics;
  /** `audit_log_enabled`. */
  auditLog?: boolean;
  register: ServiceRegistrar;
  /** `lanyard_limits`: message sizes, streams per connection, connections, idle and keepalive bounds. */
  limits: ServerLimits;
}

function hostPort(address: string, port: number): string {
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

/**
 * The server's two listeners: the local admin API on a Unix socket (every caller is an admin) and the
 * agent + admin APIs on TCP with TLS, served with the server's own X509-SVID.
 */
export class Endpoints {
  private readonly local: grpc.Server;
  private readonly tcp: grpc.Server;
  private readonly adminSocket: AdminSocket;
  private readonly tcpListener: TcpListener;
  private credentials: RotatingServerCredentials | undefined;
  /** Set once our listener owns `socketPath`, so stop() never removes someone else's file. */
  private ownsSocket = false;
  /** The TCP port actually bound (useful with `bindPort: 0`). */
  tcpPort = 0;

  constructor(private readonly opts: EndpointsOptions) {
    const limits = opts.limits;
    // Channelz is never queried here; with it on grpc-js keeps call statistics on every call.
    this.local = new grpc.Server({ ...grpcServerOptions(limits), 'grpc.enable_channelz': 0 });
    this.tcp = new grpc.Server({
      ...grpcServerOptions(limits),
      'grpc.enable_channelz': 0,
      'grpc.max_connection_age_ms': limits.maxConnectionAgeMs,
      // Calls still open when the age is reached get as long as an idle stream may live.
      'grpc.max_connection_age_grace_ms': limits.streamIdleTimeoutMs,
    });
    this.adminSocket = new AdminSocket(this.local, opts.socketPath, opts.logger, limits.maxConnections);
    this.tcpListener = new TcpListener(this.tcp, limits.maxConnections, opts.logger);
  }

  /** Binds both listeners. */
  async start(): Promise<void> {
    const { opts } = this;
    const localBoundary = new RpcBoundary(
      async (call, spec) => opts.authorizer.authorize(this.localCaller(call.getPeer()), spec),
      opts.logger,
      opts.metrics,
      { auditLog: opts.auditLog },
    );
    const peers = new PeerIdentityResolver(opts.trustDomain);
    const tcpBoundary = new RpcBoundary(
      async (call, spec) => opts.authorizer.authorize(peers.resolve(call), spec),
      opts.logger,
      opts.metrics,
      { auditLog: opts.auditLog },
    );
    opts.register(this.local, localBoundary, 'uds');
    opts.register(this.tcp, tcpBoundary, 'tcp');
    await this.adminSocket.listen();
    this.ownsSocket = true;
    this.credentials = new RotatingServerCredentials(this.tlsOptions());
    opts.svid.onRotate(() => this.refreshTls());
    warnIfOpenFilesTooFew(opts.limits.maxConnections, opts.logger);
    this.tcpPort = await this.tcpListener.listen(opts.bindAddress, opts.bindPort, this.credentials);
    opts.logger.info('Starting Server APIs', { address: hostPort(opts.bindAddress, this.tcpPort) });
    opts.logger.info('Starting Server APIs', { address: opts.socketPath, network: 'unix' });
  }

  /** An admin socket caller: every local caller is an admin; uid, gid and binary path when they could be read. */
  private localCaller(peer: string): Caller {
    const caller: Caller = { addr: `unix:${this.opts.socketPath}`, local: true };
    const who = this.adminSocket.peerOf(peer);
    return who === undefined ? caller : { ...caller, ...who };
  }

  /** Re-reads the server SVID and trusted roots into the TLS context (after rotation or bundle change). */
  refreshTls(): void {
    this.credentials?.update(this.tlsOptions());
  }

  private tlsOptions() {
    const svid = this.opts.svid.current();
    const roots = this.opts.trustedRoots().map((der) => encodePem('CERTIFICATE', der));
    return { cert: svid.certChainPem, key: svid.keyPem, ca: roots };
  }

  /** Stops accepting calls, waits up to `graceMs` for running calls, then cuts the rest. */
  async stop(graceMs = 5000): Promise<void> {
    await Promise.all([
      this.adminSocket.close(),
      this.tcpListener.close(),
      ...[this.local, this.tcp].map((server) => shutdown(server, graceMs)),
    ]);
    if (this.ownsSocket) fs.rmSync(this.opts.socketPath, { force: true });
  }
}

function shutdown(server: grpc.Server, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    timer.unref();
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
