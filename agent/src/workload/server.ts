import * as grpc from '@grpc/grpc-js';
import type { PluginLogger, WorkloadAttestor } from '@lanyard/attestor-core';
import { silentLogger } from '@lanyard/attestor-core';
import {
  GRPC_LISTENER_DEFAULTS,
  grpcServerOptions,
  type GrpcListenerLimits,
  type TrailRecorder,
} from '@lanyard/common';
import { tolerantService } from '@lanyard/base/grpc';
import { loadWorkloadApi } from '@lanyard/proto';
import { JwtSvidCache, type IdentityCache } from '../manager/cache';
import { WorkloadAttestation } from './attestation';
import { CallerResolver } from './caller';
import { createWorkloadHandlers } from './handlers';
import { JwtSvidService, type JwtSvidMinter } from './jwt-svid-service';
import { DEFAULT_SDS_OPTIONS, registerSdsService, type SdsOptions } from './sds';
import { PeerCredentialSocket, type PeerCredentialSocketOptions } from './peer-socket';
import { DEFAULT_SOCKET_PATH } from './socket';
import { WorkloadTrail } from './trail';
import { registerWitMethods } from './wit';
import type { AgentTelemetry } from '../telemetry';

/** Options of {@link WorkloadApiServer}; names follow the SPIRE agent config keys they come from. */
export interface WorkloadApiServerOptions {
  /** `socket_path`; default `/tmp/spire-agent/public/api.sock`. */
  readonly socketPath?: string;
  /** `lanyard_limits {}`: bounds of the socket's gRPC server; default `GRPC_LISTENER_DEFAULTS`. */
  readonly limits?: GrpcListenerLimits;
  readonly cache: IdentityCache;
  /** Configured `WorkloadAttestor` plugins, run in parallel on every call. */
  readonly attestors: readonly WorkloadAttestor[];
  /** Mints JWT-SVIDs (the node side, via the server). */
  readonly jwtMinter: JwtSvidMinter;
  /** `jwt_svid_cache_max_size`; default 1000. */
  readonly jwtSvidCacheMaxSize?: number;
  /**
   * The JWT-SVID service to share with the admin APIs (one token cache per agent); when absent one is made from
   * `jwtMinter` and `jwtSvidCacheMaxSize`.
   */
  readonly jwt?: JwtSvidService;
  /** Upper bound for workload attestation; default 5000 ms. */
  readonly attestationTimeoutMs?: number;
  /** `allow_unauthenticated_verifiers`; default false. */
  readonly allowUnauthenticatedVerifiers?: boolean;
  /** `allowed_foreign_jwt_claims`. */
  readonly allowedForeignJwtClaims?: readonly string[];
  readonly logger?: PluginLogger;
  /** Root of the proc filesystem; default `/proc`. */
  readonly procRoot?: string;
  /** `audit_trail`: where workload identity events are recorded; none when absent. */
  readonly trail?: TrailRecorder;
  /** `disable_workload_api`: serve only SDS on the socket; default false. */
  readonly disableWorkloadApi?: boolean;
  /** `disable_sds_api`: do not serve Envoy SDS; default false. */
  readonly disableSdsApi?: boolean;
  /** `sds {}`; SPIRE's defaults for keys left out. */
  readonly sds?: Partial<SdsOptions>;
  /** Records `spire_agent_rpc_workload_api_<method>{status}` per call; none when absent. */
  readonly telemetry?: AgentTelemetry;
}

/**
 * The SPIFFE Workload API and Envoy SDS v3 on a Unix socket. It accepts connections itself to read SO_PEERCRED, then hands each
 * socket to grpc-js through a connection injector; handlers attest the caller and serve from the cache.
 * Either API can be turned off (`disable_workload_api`, `disable_sds_api`); other services (health) can be
 * added to {@link grpcServer} before {@link start}.
 *
 * @example
 * ```ts
 * const api = new WorkloadApiServer({ cache, attestors: [unixAttestor], jwtMinter });
 * await api.start();   // listening on /tmp/spire-agent/public/api.sock
 * await api.stop();
 * ```
 */
export class WorkloadApiServer {
  readonly socketPath: string;
  /** The grpc-js server the Workload API and SDS services are registered on. */
  readonly grpcServer: grpc.Server;
  private readonly socket: PeerCredentialSocket;
  private readonly streams = new Set<object>();
  private readonly logger: PluginLogger;

  constructor(options: WorkloadApiServerOptions) {
    this.socketPath = options.socketPath ?? DEFAULT_SOCKET_PATH;
    this.logger = options.logger ?? silentLogger;
    const limits = options.limits ?? GRPC_LISTENER_DEFAULTS;
    // Channelz (grpc-js's per-call bookkeeping for its debug service) is off: nothing here serves it, and it
    // costs every Workload API call.
    this.grpcServer = new grpc.Server({ ...grpcServerOptions(limits), 'grpc.enable_channelz': 0 });
    this.socket = new PeerCredentialSocket({
      socketPath: this.socketPath,
      grpcServer: this.grpcServer,
      name: 'Workload API',
      maxConnections: limits.maxConnections,
      logger: this.logger,
      procRoot: options.procRoot,
      onConnection: options.telemetry && connectionMetrics(options.telemetry),
    });
    const attestation = new WorkloadAttestation(options.attestors, {
      timeoutMs: options.attestationTimeoutMs,
      procRoot: options.procRoot,
      logger: this.logger,
      telemetry: options.telemetry,
    });
    const resolver = new CallerResolver(this.socket.connections, attestation);
    if (!options.disableWorkloadApi) this.registerWorkloadApi(options, resolver);
    if (!options.disableSdsApi) {
      registerSdsService(this.grpcServer, {
        cache: options.cache,
        resolver,
        logger: this.logger,
        streams: this.streams,
        options: { ...DEFAULT_SDS_OPTIONS, ...options.sds },
        telemetry: options.telemetry,
      });
    }
  }

  private registerWorkloadApi(options: WorkloadApiServerOptions, resolver: CallerResolver): void {
    const handlers = createWorkloadHandlers({
      cache: options.cache,
      resolver,
      logger: this.logger,
      jwt:
        options.jwt ??
        new JwtSvidService(options.jwtMinter, new JwtSvidCache(options.jwtSvidCacheMaxSize), this.logger),
      allowUnauthenticatedVerifiers: options.allowUnauthenticatedVerifiers ?? false,
      allowedForeignJwtClaims: new Set(options.allowedForeignJwtClaims ?? []),
      streams: this.streams,
      trail: options.trail && new WorkloadTrail(options.trail, options.procRoot),
      telemetry: options.telemetry,
    });
    this.grpcServer.addService(tolerantService(loadWorkloadApi().SpiffeWorkloadAPI.service), handlers);
    registerWitMethods(this.grpcServer, { logger: this.logger });
  }

  /** Number of open Workload API and SDS streams. */
  get activeStreams(): number {
    return this.streams.size;
  }

  /** Number of open client connections. */
  get openConnections(): number {
    return this.socket.connections.size;
  }

  /** Prepares the socket path and starts accepting workloads. */
  async start(): Promise<void> {
    await this.socket.listen();
    this.logger.info('Starting Workload and SDS APIs', { address: this.socketPath, network: 'unix' });
  }

  /** Stops accepting, ends every stream and connection, and removes the socket file. */
  async stop(): Promise<void> {
    await this.socket.close();
  }
}

/** Keeps the Workload API connection gauge and counter current. */
function connectionMetrics(telemetry: AgentTelemetry): PeerCredentialSocketOptions['onConnection'] {
  return (socket, registry) => {
    telemetry.workloadConnections(registry.size, true);
    socket.once('close', () => telemetry.workloadConnections(registry.size, false));
  };
}
