import * as grpc from '@grpc/grpc-js';
import { GRPC_LISTENER_DEFAULTS, grpcServerOptions, type GrpcListenerLimits } from '@lanyard/common';
import type { PluginLogger, WorkloadAttestor } from '@lanyard/attestor-core';
import { silentLogger } from '@lanyard/attestor-core';
import { preparePrivateSocketDir } from '@lanyard/base';
import { CallerResolver, PeerCredentialSocket, WorkloadAttestation } from '../workload';

/** Default admin socket of SPIRE agents (what `debug` and `logger` commands dial). */
export const DEFAULT_ADMIN_SOCKET_PATH = '/tmp/spire-agent/private/admin.sock';

/** Mode of the admin socket: owner and group only, as SPIRE. */
export const ADMIN_SOCKET_MODE = 0o770;

/** Options of {@link AdminApiServer}. */
export interface AdminApiServerOptions {
  /** `admin_socket_path`. */
  readonly socketPath: string;
  /** Configured `WorkloadAttestor` plugins: admin callers are attested like Workload API callers. */
  readonly attestors: readonly WorkloadAttestor[];
  /** Upper bound for workload attestation; default 5000 ms. */
  readonly attestationTimeoutMs?: number;
  readonly logger?: PluginLogger;
  /** Root of the proc filesystem; default `/proc`. */
  readonly procRoot?: string;
  /** `lanyard_limits {}`: bounds of the socket's gRPC server; default `GRPC_LISTENER_DEFAULTS`. */
  readonly limits?: GrpcListenerLimits;
}

/**
 * The agent's admin APIs on a second Unix socket (`admin_socket_path`, mode 0770, parent created 0755 or, when it exists, required to be ours and writable by nobody else). Like the
 * Workload API it accepts connections itself to read SO_PEERCRED and injects them into grpc-js, so services can
 * attest their callers with {@link callers}. Services (Debug, DelegatedIdentity, Logger) are added to
 * {@link grpcServer} before {@link start}.
 *
 * @example
 * ```ts
 * const admin = new AdminApiServer({ socketPath: '/run/spire/private/admin.sock', attestors });
 * admin.grpcServer.addService(definition, handlers);
 * await admin.start();
 * ```
 */
export class AdminApiServer {
  readonly socketPath: string;
  /** The grpc-js server every admin service is registered on; add services before {@link start}. */
  readonly grpcServer: grpc.Server;
  /** Attests the process behind an admin call (SO_PEERCRED + workload attestors). */
  readonly callers: CallerResolver;
  /** Live server streams of the admin services (for shutdown and leak checks). */
  readonly streams = new Set<object>();
  /** Root of the proc filesystem the attestors read. */
  readonly procRoot: string;
  /** Runs the workload attestors on a caller (or a pid named by a delegate). */
  readonly attestation: WorkloadAttestation;
  private readonly socket: PeerCredentialSocket;
  private readonly logger: PluginLogger;

  constructor(options: AdminApiServerOptions) {
    this.socketPath = options.socketPath;
    this.logger = options.logger ?? silentLogger;
    this.procRoot = options.procRoot ?? '/proc';
    const limits = options.limits ?? GRPC_LISTENER_DEFAULTS;
    this.grpcServer = new grpc.Server(grpcServerOptions(limits));
    this.socket = new PeerCredentialSocket({
      socketPath: this.socketPath,
      grpcServer: this.grpcServer,
      name: 'admin API',
      maxConnections: limits.maxConnections,
      logger: this.logger,
      procRoot: this.procRoot,
    });
    this.attestation = new WorkloadAttestation(options.attestors, {
      timeoutMs: options.attestationTimeoutMs,
      procRoot: this.procRoot,
      logger: this.logger,
    });
    this.callers = new CallerResolver(this.socket.connections, this.attestation);
  }

  /** Number of open admin connections. */
  get openConnections(): number {
    return this.socket.connections.size;
  }

  /**
   * Creates the socket's directory (0755) or checks that an existing one is ours and writable by nobody else,
   * removes a stale socket, and starts accepting (socket 0770).
   * @throws FailedPreconditionError when the directory belongs to another user or others may write to it.
   */
  async start(): Promise<void> {
    preparePrivateSocketDir(this.socketPath, 'admin_socket_path', 0o755);
    await this.socket.listen(ADMIN_SOCKET_MODE);
    this.logger.info('Starting Admin APIs', { address: this.socketPath, network: 'unix' });
  }

  /** Stops accepting, ends every stream and connection, and removes the socket file. */
  async stop(): Promise<void> {
    await this.socket.close();
    this.logger.info('Admin APIs have stopped');
  }
}
