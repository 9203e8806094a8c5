/**
 * The running agent: node attestation (or the SVID kept in data_dir), the sync loop filling the identity
 * cache, the Workload API (with gRPC health) on the public socket, the admin APIs on `admin_socket_path`, and
 * the optional HTTP health listener.
 */
import { postAgentStatus } from './manager/post-status';
import type { PluginLogger } from '@lanyard/attestor-core';
import {
  HealthChecker,
  HealthStatusTable,
  Metrics,
  addHealthService,
  startHealthListener,
  TrailWriter,
  type HealthListener,
  type LogLevelControl,
  type TrailRecorder,
} from '@lanyard/common';
import { IdentityCache, JwtSvidCache, RotationStrategy } from './manager/cache';
import { createAdminApi, type AdminApiServer } from './admin';
import type { AgentConfig } from './config';
import { AgentIdentity } from './attestor/agent-identity';
import { loggableAgentId } from './attestor/agent-svid';
import { loadBootstrapBundle } from './attestor/bootstrap-bundle';
import { RebootstrapPolicy } from './attestor/rebootstrap';
import { AgentStorage } from './attestor/storage';
import {
  BUILTIN_AGENT_CATALOGS,
  createNodeAttestor,
  createSvidStores,
  createWorkloadAttestors,
  type AgentCatalogs,
} from './catalog/catalog';
import { ServerConnection } from './client/server-connection';
import { ServerJwtSvidMinter } from './manager/jwt-minter';
import { SyncLoop } from './manager/sync-loop';
import { JwtSvidService, WorkloadApiServer, createSocketDir } from './workload';
import { AgentTelemetry } from './telemetry';

/** How often `spire_agent_uptime_in_ms` is refreshed. */
const UPTIME_INTERVAL_MS = 10_000;

/** Options of {@link Agent.start}. */
export interface AgentStartOptions {
  readonly config: AgentConfig;
  readonly logger: PluginLogger;
  /** Live level control of `logger` (`logLevelControl(logger)`), served by the admin socket's Logger API. */
  readonly logLevel?: LogLevelControl;
  /** Root of the proc filesystem for workload attestation; default `/proc`. */
  readonly procRoot?: string;
  /** Where the agent's `spire_agent_*` metrics are recorded; a private registry when absent. */
  readonly metrics?: Metrics;
  /** Where node and workload attestors are looked up; the built-in catalogs by default. */
  readonly catalogs?: AgentCatalogs;
}

/** A started agent; {@link stop} it when done. */
export class Agent {
  private stopping = false;
  private uptimeTimer: NodeJS.Timeout | undefined;
  private readonly startedAt = Date.now();
  private fatalResolve: ((err: Error) => void) | undefined;
  /** Resolves when the agent cannot continue (banned, evicted without re-attestation). */
  readonly fatal: Promise<Error>;

  private constructor(
    readonly config: AgentConfig,
    readonly cache: IdentityCache,
    readonly identity: AgentIdentity,
    readonly connection: ServerConnection,
    readonly syncLoop: SyncLoop,
    readonly workloadApi: WorkloadApiServer | undefined,
    /** The admin socket's server; add services to its `grpcServer` before the agent starts serving. */
    readonly adminApi: AdminApiServer | undefined,
    private readonly health: HealthStatusTable,
    private readonly logger: PluginLogger,
    /** The identity trail writer, when `audit_trail` is configured. */
    readonly trail: TrailWriter | undefined,
    /** The agent's own metrics. */
    readonly telemetry: AgentTelemetry,
  ) {
    this.fatal = new Promise((resolve) => (this.fatalResolve = resolve));
  }

  /** Attests (or reuses the stored SVID), syncs once, and starts serving. */
  static async start(options: AgentStartOptions): Promise<Agent> {
    const { config, logger } = options;
    const a = config.agent;
    const catalogs = options.catalogs ?? BUILTIN_AGENT_CATALOGS;
    const telemetry = new AgentTelemetry(options.metrics ?? new Metrics({ prefix: 'spire_agent' }));
    const workloadAttestors = await createWorkloadAttestors(
      config.plugins.workloadAttestors,
      logger,
      options.procRoot,
      catalogs.workloadAttestors,
    );
    const svidStores = await createSvidStores(
      config.plugins.svidStores,
      { logger, trustDomain: a.trustDomain },
      catalogs.svidStores,
    );
    const connection = new ServerConnection(a.serverAddress, a.serverPort, a.trustDomain);
    const rotation = new RotationStrategy(a.availabilityTargetMs);
    const identity = createIdentity(config, connection, logger, catalogs, telemetry, rotation);
    const rebootstrap = new RebootstrapPolicy(a.rebootstrap, logger);
    try {
      const svid = await identity.initialize();
      rebootstrap.checkReattestable(svid.reattestable);
    } catch (err) {
      connection.close();
      throw err;
    }
    const cache = new IdentityCache({
      trustDomain: a.trustDomain,
      x509SvidCacheMaxSize: a.x509SvidCacheMaxSize,
    });
    const holder: { agent?: Agent } = {};
    const jwt = new JwtSvidService(
      new ServerJwtSvidMinter(connection),
      new JwtSvidCache(a.jwtSvidCacheMaxSize),
      logger,
    );
    const syncLoop = new SyncLoop({
      cache,
      connection,
      identity,
      intervalMs: a.syncIntervalMs,
      workloadKeyType: a.workloadKeyType,
      rotation,
      logger,
      onFatal: (err) => holder.agent?.fail(err),
      telemetry,
      jwtSvidCount: () => jwt.cachedCount,
      svidStores,
      rebootstrap,
      pushEntryChanges: a.pushEntryChanges,
    });
    const health = new HealthStatusTable({ '': 'SERVING' });
    const trail =
      a.auditTrail &&
      new TrailWriter({ ...a.auditTrail, onProblem: (message, fields) => logger.error(message, fields) });
    const workloadApi =
      a.disableWorkloadApi && a.disableSdsApi
        ? undefined
        : createWorkloadApi(
            config,
            cache,
            jwt,
            workloadAttestors,
            logger,
            options.procRoot,
            trail,
            telemetry,
          );
    if (workloadApi) addHealthService(workloadApi.grpcServer, health);
    const adminApi =
      a.adminSocketPath === undefined
        ? undefined
        : createAdminApi({
            socketPath: a.adminSocketPath,
            attestors: workloadAttestors,
            cache,
            identity,
            syncLoop,
            jwt,
            authorizedDelegates: a.authorizedDelegates,
            startedAt: Date.now(),
            logger,
            logLevel: options.logLevel,
            procRoot: options.procRoot,
            limits: a.limits,
          });
    const agent = new Agent(
      config,
      cache,
      identity,
      connection,
      syncLoop,
      workloadApi,
      adminApi,
      health,
      logger,
      trail,
      telemetry,
    );
    holder.agent = agent;
    try {
      await agent.begin();
    } catch (err) {
      await agent.stop();
      throw err;
    }
    return agent;
  }

  private async begin(): Promise<void> {
    await postAgentStatus(this.connection, this.logger);
    try {
      await this.syncLoop.sync();
      this.syncLoop.lastSuccess = new Date();
    } catch (err) {
      this.logger.warn('Initial synchronization with the server failed; serving from cache', {
        error: (err as Error).message,
      });
    }
    this.syncLoop.start();
    this.reportUptime();
    this.uptimeTimer = setInterval(() => this.reportUptime(), UPTIME_INTERVAL_MS).unref();
    if (this.workloadApi) createSocketDir(this.workloadApi.socketPath);
    await this.workloadApi?.start();
    await this.adminApi?.start();
    this.logger.info('Agent is ready', {
      spiffe_id: loggableAgentId(this.identity.svid?.spiffeId ?? ''),
      trust_domain: this.config.agent.trustDomain,
    });
  }

  private reportUptime(): void {
    this.telemetry.uptime(Date.now() - this.startedAt);
  }

  /** Liveness and readiness: live while not stopped; ready once the cache holds the trust bundle and the agent SVID is valid. */
  status(): { live: boolean; ready: boolean } {
    const svid = this.identity.svid;
    const valid = svid !== undefined && svid.expiresAt.getTime() > Date.now();
    return { live: !this.stopping, ready: !this.stopping && valid && this.cache.isReady() };
  }

  /** Starts the HTTP `/live` `/ready` listener when `health_checks.listener_enabled`. */
  async startHealthListener(): Promise<HealthListener | undefined> {
    if (!this.config.healthChecks.listenerEnabled) return undefined;
    const checker = new HealthChecker();
    checker.register('agent', () => {
      const s = this.status();
      return {
        live: s.live,
        ready: s.ready,
        details: { last_sync: this.syncLoop.lastSuccess?.toISOString() },
      };
    });
    return startHealthListener(this.config.healthChecks, checker);
  }

  /** Stops syncing and serving; the persisted state stays for the next start. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.health.set('', 'NOT_SERVING');
    clearInterval(this.uptimeTimer);
    await this.syncLoop.stop();
    await this.workloadApi?.stop();
    await this.adminApi?.stop();
    await this.trail?.close();
    this.connection.close();
  }

  private fail(err: Error): void {
    this.logger.error('Agent cannot continue', { error: err.message });
    this.fatalResolve?.(err);
  }
}

/** The agent identity manager for a config: node attestor built lazily, state in data_dir. */
function createIdentity(
  config: AgentConfig,
  connection: ServerConnection,
  logger: PluginLogger,
  catalogs: AgentCatalogs,
  telemetry: AgentTelemetry,
  rotation: RotationStrategy,
): AgentIdentity {
  const a = config.agent;
  return new AgentIdentity({
    connection,
    createAttestor: () =>
      createNodeAttestor(
        config.plugins.nodeAttestor,
        { trustDomain: a.trustDomain, logger, joinToken: a.joinToken, now: Date.now },
        catalogs.nodeAttestors,
      ),
    storage: new AgentStorage(
      a.dataDir,
      a.trustDomain,
      config.plugins.keyManager === 'disk',
      logger,
      config.plugins.keyDirectory,
    ),
    trustDomain: a.trustDomain,
    loadBootstrapRoots: () => loadBootstrapBundle(a.trustBootstrap, a.trustDomain),
    logger,
    telemetry,
    rotation,
  });
}

function createWorkloadApi(
  config: AgentConfig,
  cache: IdentityCache,
  jwt: JwtSvidService,
  attestors: Awaited<ReturnType<typeof createWorkloadAttestors>>,
  logger: PluginLogger,
  procRoot: string | undefined,
  trail: TrailRecorder | undefined,
  telemetry: AgentTelemetry,
): WorkloadApiServer {
  const a = config.agent;
  return new WorkloadApiServer({
    socketPath: a.socketPath,
    cache,
    attestors,
    jwtMinter: jwt.minter,
    jwt,
    allowUnauthenticatedVerifiers: a.allowUnauthenticatedVerifiers,
    allowedForeignJwtClaims: a.allowedForeignJwtClaims,
    disableWorkloadApi: a.disableWorkloadApi,
    disableSdsApi: a.disableSdsApi,
    sds: a.sds,
    limits: a.limits,
    logger,
    procRoot,
    trail,
    telemetry,
  });
}
