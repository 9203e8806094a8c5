/**
 * The federated bundle client (SPIRE's bundle manager): one refresh loop per relationship, reconciled with
 * the stored and configured relationships every `reconcileIntervalMs` and whenever asked (API changes,
 * RefreshBundle). Each attempt fetches, authenticates and stores per `fetchBundle` / `storeFetchedBundle`; a
 * failure keeps the stored bundle and is retried with backoff. Logs once per state change.
 */
import type { PluginLogger } from '@lanyard/attestor-core';
import { Backoff, InternalError, NotFoundError } from '@lanyard/base';
import type { Metrics } from '@lanyard/common';
import { SpiffeId, TrustDomain, type SpiffeBundle } from '@lanyard/spiffe';
import type { FederatesWithConfig } from '../config/types';
import type { DataStore } from '../datastore/types';
import { fetchBundle, type FetchBundleLimits } from './fetch-bundle';
import { loadRelationships, sameEndpoint, type ManagedRelationship } from './relationships';
import { DEFAULT_REFRESH_BOUNDS, refreshIntervalMs, type RefreshBounds } from './refresh-schedule';
import type { RefreshStatus } from './refresh-status';
import { storeFetchedBundle } from './store-bundle';

/** Settings of {@link FederationRefreshManager}. */
export interface FederationRefreshOptions {
  datastore: DataStore;
  /** `federates_with` blocks of the config file. */
  fromConfig: readonly FederatesWithConfig[];
  logger: PluginLogger;
  metrics?: Metrics;
  now: () => number;
  limits: FetchBundleLimits;
  bounds?: RefreshBounds;
  /** How often relationships are re-read; default 10 s (as SPIRE). */
  reconcileIntervalMs?: number;
}

/** Default fetch limits: 10 s per request, 1 MiB per bundle. */
export const DEFAULT_FETCH_LIMITS: FetchBundleLimits = { timeoutMs: 10_000, maxBodyBytes: 1 << 20 };

interface Managed {
  rel: ManagedRelationship;
  status: RefreshStatus;
  /** Retry delays after consecutive failures; reset by a success or a changed endpoint. */
  backoff: Backoff;
  timer?: NodeJS.Timeout;
  /** Serializes attempts (timer and RefreshBundle). */
  queue: Promise<unknown>;
}

/** Runs the refresh loops; see the module comment. */
export class FederationRefreshManager {
  private readonly managed = new Map<string, Managed>();
  private reconcileTimer: NodeJS.Timeout | undefined;
  private reconciling: Promise<void> | undefined;
  private stopped = false;
  private readonly bounds: RefreshBounds;
  private readonly abort = new AbortController();

  constructor(private readonly options: FederationRefreshOptions) {
    this.bounds = options.bounds ?? DEFAULT_REFRESH_BOUNDS;
  }

  /** Reconciles now and then every `reconcileIntervalMs`. */
  async start(): Promise<void> {
    await this.reconcile();
    this.reconcileTimer = setInterval(() => {
      this.reconcile().catch((err: unknown) =>
        this.options.logger.error('Failed to reload federation relationships', {
          error: (err as Error).message,
        }),
      );
    }, this.options.reconcileIntervalMs ?? 10_000);
    this.reconcileTimer.unref();
  }

  /** Stops every loop, aborts running fetches and waits for them to settle. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    if (this.reconcileTimer !== undefined) clearInterval(this.reconcileTimer);
    const running = [...this.managed.values()].map((m) => {
      clearTimeout(m.timer);
      return m.queue;
    });
    this.managed.clear();
    await Promise.allSettled(running);
  }

  /** Status of one managed trust domain, or undefined when it is not managed. */
  status(trustDomain: string): RefreshStatus | undefined {
    const m = this.managed.get(trustDomain);
    return m && { ...m.status };
  }

  /** Status of every managed trust domain, sorted by name. */
  statuses(): RefreshStatus[] {
    return [...this.managed.keys()].sort().map((td) => this.status(td) as RefreshStatus);
  }

  /** Re-reads the relationships: starts new loops, restarts changed ones, stops removed ones. */
  reconcile(): Promise<void> {
    if (this.reconciling) return this.reconciling;
    this.reconciling = this.doReconcile().finally(() => (this.reconciling = undefined));
    return this.reconciling;
  }

  /**
   * TrustDomain.RefreshBundle: fetches now and reports the outcome.
   * @throws NotFoundError when no relationship names `trustDomain`; InternalError when the refresh failed.
   */
  async refreshNow(trustDomain: string): Promise<RefreshStatus> {
    await this.reconcile();
    const m = this.managed.get(trustDomain);
    if (m === undefined) {
      throw new NotFoundError(`no relationship with trust domain "${trustDomain}"`, 'ERR_FR_NOT_FOUND');
    }
    await this.attempt(m);
    if (m.status.lastError !== undefined) {
      throw new InternalError(
        `failed to refresh bundle: ${m.status.lastError}`,
        'ERR_FEDERATED_BUNDLE_REFRESH',
      );
    }
    return { ...m.status };
  }

  private async doReconcile(): Promise<void> {
    const wanted = await loadRelationships(this.options.datastore, this.options.fromConfig);
    if (this.stopped) return;
    const log = this.options.logger;
    for (const [td, m] of this.managed) {
      const next = wanted.get(td);
      if (next === undefined) {
        clearTimeout(m.timer);
        this.managed.delete(td);
        log.info('Trust domain no longer managed', { trust_domain: td });
      } else if (!sameEndpoint(m.rel, next)) {
        m.rel = next;
        m.backoff.reset();
        log.info('Updated configuration for managed trust domain', fields(next));
        this.schedule(m, 0);
      }
    }
    for (const [td, rel] of wanted) {
      if (this.managed.has(td)) continue;
      const m: Managed = {
        rel,
        status: { trustDomain: td },
        backoff: this.newBackoff(),
        queue: Promise.resolve(),
      };
      this.managed.set(td, m);
      log.info('Trust domain is now managed', fields(rel));
      this.schedule(m, 0);
    }
  }

  private schedule(m: Managed, delayMs: number): void {
    clearTimeout(m.timer);
    if (this.stopped || this.managed.get(m.rel.trustDomain) !== m) return;
    m.status.nextRefreshAt = this.options.now() + delayMs;
    m.timer = setTimeout(() => void this.attempt(m), delayMs);
    m.timer.unref();
  }

  /** One attempt, serialized per trust domain; schedules the next one. Never throws. */
  private attempt(m: Managed): Promise<unknown> {
    m.queue = m.queue.then(() => this.runAttempt(m));
    return m.queue;
  }

  private async runAttempt(m: Managed): Promise<void> {
    if (this.stopped) return;
    const { rel } = m;
    const started = this.options.now();
    const label = { trust_domain_id: TrustDomain.parse(rel.trustDomain).idString() };
    let hint: number | undefined;
    try {
      const fetched = await fetchBundle(
        {
          trustDomain: rel.trustDomain,
          bundleEndpointUrl: rel.bundleEndpointUrl,
          profile: rel.bundleEndpointProfile,
          endpointSpiffeId: rel.endpointSpiffeId,
          endpointBundle: await this.endpointBundle(rel),
        },
        { ...this.options.limits, signal: this.abort.signal },
      );
      hint = fetched.refreshHint;
      const changed = await storeFetchedBundle(this.options.datastore, fetched);
      this.succeeded(m, changed, fetched);
    } catch (err) {
      if (this.stopped) return;
      this.failed(m, (err as Error).message);
      this.options.metrics?.measureCall(
        ['bundle_manager', 'fetch_federated_bundle'],
        'Unavailable',
        this.options.now() - started,
        label,
      );
      const normal = refreshIntervalMs(await this.storedHint(rel.trustDomain), this.bounds);
      this.schedule(m, Math.min(normal, m.backoff.next()));
      return;
    }
    this.options.metrics?.measureCall(
      ['bundle_manager', 'fetch_federated_bundle'],
      'OK',
      this.options.now() - started,
      label,
    );
    this.schedule(m, refreshIntervalMs(hint, this.bounds));
  }

  private succeeded(m: Managed, changed: boolean, bundle: SpiffeBundle): void {
    const now = this.options.now();
    const recovered = m.status.lastError !== undefined;
    m.backoff.reset();
    m.status = { ...m.status, lastRefreshAt: now, lastSuccessAt: now, lastError: undefined };
    const f = { trust_domain: m.rel.trustDomain, sequence_number: bundle.sequenceNumber ?? 0 };
    if (changed) {
      this.options.metrics?.incrCounter(['bundle_manager', 'update_federated_bundle'], {
        trust_domain_id: TrustDomain.parse(m.rel.trustDomain).idString(),
      });
      this.options.logger.info('Bundle refreshed', f);
    } else if (recovered) this.options.logger.info('Bundle refresh recovered', f);
    else this.options.logger.debug('Bundle unchanged', f);
  }

  private failed(m: Managed, message: string): void {
    const repeated = m.status.lastError === message;
    m.status = { ...m.status, lastRefreshAt: this.options.now(), lastError: message };
    if (!repeated) {
      this.options.logger.error('Error updating bundle', { trust_domain: m.rel.trustDomain, error: message });
    }
  }

  private newBackoff(): Backoff {
    return new Backoff({
      initialDelayMs: this.bounds.firstRetryMs,
      maxDelayMs: this.bounds.maxIntervalMs,
      jitter: 0.2,
    });
  }

  /** `https_spiffe`: the stored bundle of the endpoint SPIFFE ID's trust domain. */
  private async endpointBundle(rel: ManagedRelationship): Promise<SpiffeBundle | undefined> {
    if (rel.bundleEndpointProfile !== 'https_spiffe' || !rel.endpointSpiffeId) return undefined;
    const td = SpiffeId.parse(rel.endpointSpiffeId).trustDomain.name;
    return this.options.datastore.getBundle(td);
  }

  private async storedHint(trustDomain: string): Promise<number | undefined> {
    try {
      return (await this.options.datastore.getBundle(trustDomain))?.refreshHint;
    } catch {
      return undefined;
    }
  }
}

function fields(rel: ManagedRelationship): Record<string, string> {
  return {
    trust_domain: rel.trustDomain,
    bundle_endpoint_url: rel.bundleEndpointUrl,
    bundle_endpoint_profile: rel.bundleEndpointProfile,
  };
}
