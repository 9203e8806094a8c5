import { silentLogger, spireServerId, type PluginLogger } from '@lanyard/attestor-core';
import { Metrics, TrailWriter } from '@lanyard/common';
import { recordCaEvents } from './audit/ca-events';
import { prometheusRpcMetrics } from './api/metrics';
import { registerServerApis } from './api/register';
import type { ApiDeps } from './api/deps';
import { DEFAULT_SIGNING_LIMITS, SigningLimiter } from './api/svid/signing-limiter';
import { Authorizer } from './auth/authorizer';
import { BundleSync } from './bundle-sync';
import { BundleNotifiers } from './notifier';
import { EntryCache } from './authorized-entries/entry-cache';
import { ServerCa } from './ca';
import { NodeAttestorCatalog } from './catalog/node-attestors';
import { openDataStore, type DataStore } from './datastore';
import { Endpoints } from './endpoints/endpoints';
import { serverLimits } from './limits';
import { ServerSvidRotator } from './endpoints/server-svid';
import {
  BundleEndpointServer,
  DEFAULT_FETCH_LIMITS,
  DEFAULT_REFRESH_BOUNDS,
  FederationRefreshManager,
} from './federation';
import { pruneExpiredNodes } from './node-pruner';
import { DEFAULT_PRUNE_EVENTS_OLDER_THAN_MS, pruneOldEvents } from './event-pruner';
import { countSignature, entryCacheGauges, recordCaMetrics, withDatastoreMetrics } from './telemetry';
import { RateLimits } from './api/rate-limit/limits';
import type { SpiffeBundle } from '@lanyard/spiffe';
import { TrustDomain } from '@lanyard/spiffe/id';
import { createManagedWorkloads, type ManagedWorkloadsListener } from './managed';
import type { LanyardServerOptions } from './lanyard-server-options';
import { SYNC_PAGE_SIZE } from './api/entry/sync';
import { DEFAULT_MAX_PUSHED_ENTRIES, EntryWatchHub } from './api/entrywatch/watch-hub';

export type { LanyardServerOptions } from './lanyard-server-options';

/** A running Lanyard server: datastore, CA, entry cache, attestors and both API endpoints. */
export class LanyardServer {
  private stopped = false;
  private readonly startedAt = Date.now();
  private readonly timers: NodeJS.Timeout[] = [];

  private constructor(
    readonly options: LanyardServerOptions,
    readonly datastore: DataStore,
    readonly ca: ServerCa,
    readonly cache: EntryCache,
    readonly endpoints: Endpoints,
    private readonly bundle: BundleSync,
    private readonly svid: ServerSvidRotator,
    private readonly metrics: Metrics,
    private readonly bundleEndpoint: BundleEndpointServer | undefined,
    /** The federated bundle client (relationship refresh loops). */
    readonly federation: FederationRefreshManager,
    /** The identity trail writer, when `audit_trail` is configured. */
    readonly trail: TrailWriter | undefined,
    /** Writers of the trust bundle to Kubernetes, when such plugins are configured. */
    private readonly notifiers: BundleNotifiers | undefined,
    private readonly managed: ManagedWorkloadsListener | undefined,
    /** Open EntryWatch streams; undefined when `lanyard_push_entry_changes` is off. */
    readonly entryWatch: EntryWatchHub | undefined,
  ) {}

  /** TCP port the TLS endpoint listens on. */
  get port(): number {
    return this.endpoints.tcpPort;
  }

  /** TCP port of the federation bundle endpoint; undefined when none is configured. */
  get bundleEndpointPort(): number | undefined {
    return this.bundleEndpoint?.port;
  }

  /** TCP port of the managed-workloads listener; undefined when `managed_workloads` is not configured. */
  get managedWorkloadsPort(): number | undefined {
    return this.managed?.port;
  }

  /** True while started and not stopping (health checks). */
  serving(): boolean {
    return !this.stopped;
  }

  /** Opens everything and starts listening; on failure, whatever was opened is closed again. */
  static async start(options: LanyardServerOptions): Promise<LanyardServer> {
    const logger = options.logger ?? silentLogger;
    const now = options.now ?? Date.now;
    const metrics = options.metrics ?? new Metrics({ prefix: 'spire_server' });
    const datastore = withDatastoreMetrics(
      await openDataStore({ ...options.datastore, logger, now }),
      metrics,
    );
    try {
      return await LanyardServer.assemble(options, datastore, logger, now, metrics);
    } catch (err) {
      await datastore.close();
      throw err;
    }
  }

  private static async assemble(
    options: LanyardServerOptions,
    datastore: DataStore,
    logger: PluginLogger,
    now: () => number,
    metrics: Metrics,
  ): Promise<LanyardServer> {
    const td = options.trustDomain;
    const trail =
      options.auditTrail &&
      new TrailWriter({
        ...options.auditTrail,
        now,
        onProblem: (message, fields) => logger.error(message, fields),
      });
    const ca = await ServerCa.create({
      ...options.ca,
      trustDomain: td,
      dataDir: options.dataDir,
      logger,
      now,
      onSigned: countSignature(metrics),
    });
    if (trail) recordCaEvents(ca, td, trail);
    recordCaMetrics(ca, metrics, TrustDomain.parse(td).idString(), now);
    const bundle = new BundleSync(
      datastore,
      td,
      () => ca.bundleContents().x509Authorities.map((cert) => cert.raw),
      logger,
    );
    await bundle.publish(ca.bundleContents());
    ca.onBundleChange((contents) => void bundle.publish(contents).catch(() => undefined));
    const notifiers = await startNotifiers(options, () => datastore.getBundle(td), logger);
    const cache = new EntryCache({
      datastore,
      serverId: spireServerId(td).toString(),
      logger,
      pollIntervalMs: options.cachePollIntervalMs,
      fullReloadIntervalMs: options.cacheFullReloadIntervalMs,
      gapTimeoutMs: options.eventTimeoutMs,
      now,
      onUpdated: entryCacheGauges(metrics),
    });
    await cache.start();
    const attestors = await NodeAttestorCatalog.create(
      options.nodeAttestors ?? [],
      {
        trustDomain: td,
        logger,
        joinTokens: datastore,
        attestedNodes: datastore,
        now,
        x509Authorities: () => ca.bundleContents().x509Authorities,
      },
      options.nodeAttestorPlugins,
    );
    const svid = new ServerSvidRotator(ca, logger, now);
    const fed = options.federation;
    const federation = new FederationRefreshManager({
      datastore,
      fromConfig: fed?.federatesWith ?? [],
      logger,
      metrics,
      now,
      limits: { ...DEFAULT_FETCH_LIMITS, ...fed?.limits },
      bounds: { ...DEFAULT_REFRESH_BOUNDS, ...fed?.bounds },
      reconcileIntervalMs: fed?.reconcileIntervalMs,
    });
    const authorizer = new Authorizer({
      trustDomain: td,
      adminIds: options.adminIds ?? [],
      datastore,
      entriesForSpiffeId: (id) => cache.index.entriesForSpiffeId(id),
    });
    const limits = serverLimits(options.limits);
    const syncPageSize = options.entrySyncPageSize ?? SYNC_PAGE_SIZE;
    const entryWatch =
      options.pushEntryChanges === false
        ? undefined
        : new EntryWatchHub(
            cache,
            spireServerId(td).toString(),
            {
              pageSize: syncPageSize,
              maxPushedEntries: options.entryPushMaxEntries ?? DEFAULT_MAX_PUSHED_ENTRIES,
            },
            logger,
            async (agentId) => {
              const node = await datastore.getNode(agentId);
              return node !== undefined && !node.banned;
            },
          );
    if (entryWatch) bundle.onChange(() => entryWatch.bundleChanged());
    const signingLimiter = new SigningLimiter(options.signingLimits ?? DEFAULT_SIGNING_LIMITS);
    const deps: ApiDeps = {
      trustDomain: td,
      datastore,
      ownBundle: () => bundle.current(),
      cache,
      entryWatch,
      syncPageSize,
      ca,
      attestors,
      serverSvid: svid,
      logger,
      logLevel: options.logLevel,
      now,
      maxBatchSize: options.maxBatchSize ?? 10_000,
      rateLimits: new RateLimits(
        options.ratelimit ?? { attestation: true, signing: true },
        options.rateLimitClock ?? (() => performance.now()),
        metrics,
      ),
      signingLimiter,
      disableJwtSvids: options.disableJwtSvids,
      limits,
      agentSpiffeIdAsSelector: options.agentSpiffeIdAsSelector,
      startedAt: now(),
      trail,
      jwtCloudAudiences: new Set(options.jwtCloudAudiences ?? []),
      onLocalBundleChanged: () => void bundle.reload().catch(() => undefined),
      refreshBundle: (td) => federation.refreshNow(td),
      federationStatus: (td) => federation.status(td),
      onRelationshipsChanged: () =>
        void federation
          .reconcile()
          .catch((err: unknown) =>
            logger.error('Failed to reload federation relationships', { error: (err as Error).message }),
          ),
    };
    // Health calls only arrive once the endpoints listen, i.e. after `server` below is initialised.
    const health = { serving: (): boolean => server.serving() };
    const endpoints = new Endpoints({
      socketPath: options.socketPath,
      bindAddress: options.bindAddress,
      bindPort: options.bindPort,
      trustDomain: td,
      svid,
      trustedRoots: () => bundle.trustedRoots(),
      authorizer,
      logger,
      metrics: prometheusRpcMetrics(metrics),
      auditLog: options.auditLogEnabled,
      limits,
      register: (grpcServer, boundary, listener) =>
        registerServerApis(grpcServer, boundary, deps, health, listener),
    });
    const currentBundle = async (): Promise<SpiffeBundle> => {
      const stored = await datastore.getBundle(td);
      if (stored === undefined) throw new Error(`no stored bundle for "${td}"`);
      return stored;
    };
    const endpointConfig = options.federation?.bundleEndpoint;
    const bundleEndpoint =
      endpointConfig && new BundleEndpointServer({ config: endpointConfig, currentBundle, svid, logger });
    const managed =
      options.managedWorkloads &&
      createManagedWorkloads(options.managedWorkloads, {
        ...deps,
        signingLimiter,
        currentBundle,
        rateLimitClock: options.rateLimitClock ?? (() => performance.now()),
      });
    const server: LanyardServer = new LanyardServer(
      options,
      datastore,
      ca,
      cache,
      endpoints,
      bundle,
      svid,
      metrics,
      bundleEndpoint,
      federation,
      trail,
      notifiers,
      managed,
      entryWatch,
    );
    try {
      await endpoints.start();
      await bundleEndpoint?.start();
      await managed?.start();
      await federation.start();
    } catch (err) {
      await server.stop();
      throw err;
    }
    server.startBackgroundWork(options.bundlePollIntervalMs ?? 5000);
    logger.info('Server started', {
      trust_domain_id: TrustDomain.parse(td).idString(),
      address: `${options.bindAddress}:${endpoints.tcpPort}`,
    });
    return server;
  }

  private startBackgroundWork(bundlePollIntervalMs: number): void {
    this.ca.start();
    // A newly active X.509 authority re-issues the server SVID so it never chains to a tainted one.
    this.ca.onEvent((event) => {
      if (event.type === 'x509-authority-activated') this.svid.rotate();
    });
    this.bundle.onChange(() => this.endpoints.refreshTls());
    this.bundle.onChange(() => this.notifiers?.bundleChanged());
    this.notifiers?.start(this.options.kubeBundleResyncMs);
    this.bundle.start(bundlePollIntervalMs);
    this.every(60_000, () => this.datastore.pruneJoinTokens(this.nowSeconds()));
    this.every(3_600_000, () => this.pruneBundle());
    const prune = this.options.pruneAttestedNodes;
    const logger = this.options.logger ?? silentLogger;
    if (prune)
      this.every(3_600_000, () => pruneExpiredNodes(this.datastore, prune, this.nowSeconds(), logger));
    const eventsOlderThan = this.options.pruneEventsOlderThanMs ?? DEFAULT_PRUNE_EVENTS_OLDER_THAN_MS;
    this.every(eventsOlderThan / 2, () =>
      pruneOldEvents(this.datastore, eventsOlderThan, this.nowMs(), logger),
    );
    this.every(10_000, () => this.metrics.setGauge(['uptime_in_ms'], Date.now() - this.startedAt));
  }

  private nowMs(): number {
    return (this.options.now ?? Date.now)();
  }

  /** Runs `task` every `ms` (unref'd); failures are logged, never thrown. */
  private every(ms: number, task: () => unknown): void {
    const timer = setInterval(() => {
      Promise.resolve(task()).catch((err: unknown) =>
        (this.options.logger ?? silentLogger).warn('Background task failed', {
          error: (err as Error).message,
        }),
      );
    }, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private nowSeconds(): number {
    return Math.floor(this.nowMs() / 1000);
  }

  /** Drops trust-bundle authorities that expired more than a day ago (SPIRE keeps them a day for late agents). */
  private async pruneBundle(): Promise<void> {
    if (await this.datastore.pruneBundle(this.options.trustDomain, this.nowSeconds() - 86_400)) {
      await this.bundle.reload();
    }
  }

  /** Graceful stop: refuses new calls, waits up to `graceMs` for running ones, then closes everything. */
  async stop(graceMs = 5000): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    this.bundle.stop();
    this.cache.stop();
    this.svid.stop();
    this.ca.stop();
    await this.federation.stop();
    await this.notifiers?.stop();
    await this.bundleEndpoint?.stop();
    await this.managed?.stop();
    this.entryWatch?.close();
    await this.endpoints.stop(graceMs);
    await this.ca.close(); // after the endpoints: batches still in flight finish on the workers
    await this.trail?.close();
    await this.datastore.close();
  }
}

/** Connects the configured Kubernetes bundle plugins (none: undefined). */
async function startNotifiers(
  options: LanyardServerOptions,
  currentBundle: () => Promise<SpiffeBundle | undefined>,
  logger: PluginLogger,
): Promise<BundleNotifiers | undefined> {
  const kube = options.kubeBundle;
  if (!kube?.k8sBundle?.length && !kube?.k8sConfigMap?.length) return undefined;
  const notifiers = await BundleNotifiers.create(kube, currentBundle, logger);
  logger.info('Keeping the trust bundle in Kubernetes', { targets: notifiers.targets.join(', ') });
  return notifiers;
}
