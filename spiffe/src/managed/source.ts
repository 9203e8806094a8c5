import '../workloadapi/dispose-symbol';
import type { LanyardError } from '@lanyard/base';
import { ManagedWorkloadError } from '../errors/managed-workload-error';
import { X509BundleSet, JwtBundleSet, type JwtBundle, type SpiffeBundle, type X509Bundle } from '../bundle';
import { SpiffeId, TrustDomain } from '../id';
import type { JwtSvid, JwtSvidParams, JwtSvidSource } from '../jwt';
import type { TlsSource } from '../tls/source';
import type { X509Svid } from '../x509';
import { Updates } from '../workloadapi/updates';
import { ManagedWorkloadClient, type ManagedWorkloadClientOptions } from './client';
import { JwtSvidCache, jwtCacheKey } from './jwt-cache';
import { Refresher } from './refresher';
import { bundleRefreshDelay, x509HalfLifeDelay } from './schedule';

/** Options of {@link ManagedIdentitySource.create}. */
export interface ManagedIdentitySourceOptions extends ManagedWorkloadClientOptions {
  /** Fetch and keep an X.509-SVID (default true). Off: JWT-SVIDs (and bundles if `trustDomain` is set) only. */
  readonly x509?: boolean;
  /** The server's trust domain; learned from the first X.509 answer when not given. */
  readonly trustDomain?: string | TrustDomain;
  /** Ask for this X.509 identity only (default: every entry the proof matches). */
  readonly spiffeId?: string | SpiffeId;
  /** Chooses the SVID {@link ManagedIdentitySource.getX509Svid} returns (default: the first). */
  readonly picker?: (svids: readonly X509Svid[]) => X509Svid;
  /** JWT-SVID answers cached (per audience set and subject; default 100). */
  readonly jwtCacheSize?: number;
  /** Called with every failed background refresh (the source keeps its last good state and retries). */
  readonly onError?: (err: LanyardError) => void;
  /** Abandons `create()`. */
  readonly signal?: AbortSignal;
}

interface X509State {
  readonly svids: readonly X509Svid[];
}

/**
 * SVIDs and bundles for a workload on a managed runtime (AWS Lambda, Azure Functions, Cloud Run …) that has no
 * agent: it proves its cloud identity to the server's `managed_workloads` listener. Implements the same
 * interfaces as the Workload API's `X509Source` and `JwtSource` (`TlsSource`, `JwtSvidSource`,
 * `JwtBundleSource`), so the TLS helpers and the cloud-credential code accept it. X.509-SVIDs are renewed at
 * half-life with a new key, the bundle at its refresh hint, JWT-SVIDs are cached per audience until half-life.
 *
 * @example
 * ```ts
 * import { awsIamProof } from '@lanyard/helper';
 * const source = await ManagedIdentitySource.create({
 *   serverUrl: 'https://spire.example.org:8444',
 *   proof: awsIamProof({ serverId: 'spire.example.org' }),
 *   x509: false,
 * });
 * const svid = await source.fetchJwtSvid({ audience: 'api://AzureADTokenExchange' });
 * ```
 */
export class ManagedIdentitySource implements AsyncDisposable, TlsSource, JwtSvidSource {
  private x509State: X509State | undefined;
  private bundle: SpiffeBundle | undefined;
  private trustDomain: TrustDomain | undefined;
  private closed = false;
  private readonly updates = new Updates();
  private readonly jwtCache: JwtSvidCache;
  private readonly x509Refresher: Refresher;
  private readonly bundleRefresher: Refresher;
  private readonly spiffeId: SpiffeId | undefined;

  private constructor(
    /** The underlying stateless client. */
    readonly client: ManagedWorkloadClient,
    private readonly options: ManagedIdentitySourceOptions,
  ) {
    const onError = (err: unknown): void => options.onError?.(err as LanyardError);
    this.jwtCache = new JwtSvidCache(options.jwtCacheSize ?? 100);
    this.x509Refresher = new Refresher(() => this.refreshX509(), onError);
    this.bundleRefresher = new Refresher(() => this.refreshBundle(), onError);
    this.spiffeId = parseOptional(options.spiffeId, SpiffeId.parse, 'spiffeId');
    this.trustDomain = parseOptional(options.trustDomain, TrustDomain.parse, 'trustDomain');
  }

  /**
   * Makes the client, fetches the X.509-SVIDs (unless `x509: false`) and the bundle (when the trust domain is
   * known), then keeps them fresh in the background.
   * @throws ManagedWorkloadError, or the server's refusal (PermissionDeniedError when no entry matches).
   */
  static async create(options: ManagedIdentitySourceOptions): Promise<ManagedIdentitySource> {
    const source = new ManagedIdentitySource(new ManagedWorkloadClient(options), options);
    if (options.x509 !== false) source.x509Refresher.schedule(await source.refreshX509(options.signal));
    if (source.trustDomain) source.bundleRefresher.schedule(await source.refreshBundle(options.signal));
    return source;
  }

  /** The current X.509-SVID (the picker's choice, default the first). */
  getX509Svid(): X509Svid {
    const svids = this.getX509Svids();
    return this.options.picker ? this.options.picker(svids) : svids[0];
  }

  /** Every current X.509-SVID, first = default. */
  getX509Svids(): readonly X509Svid[] {
    this.checkOpen();
    if (!this.x509State) {
      throw new ManagedWorkloadError(
        'ERR_MANAGED_PARAMS',
        'managed identity source was created with x509: false',
      );
    }
    return this.x509State.svids;
  }

  /** The current X.509 bundle of `trustDomain` (only the server's own trust domain is known). */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    return this.getX509Bundles().getX509BundleForTrustDomain(trustDomain);
  }

  /** The X.509 bundles (the server's trust domain). */
  getX509Bundles(): X509BundleSet {
    return new X509BundleSet([this.currentBundle().toX509Bundle()]);
  }

  /** The current JWT bundle of `trustDomain`, to validate JWT-SVIDs with `JwtSvid.parseAndValidate`. */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    return this.getJwtBundles().getJwtBundleForTrustDomain(trustDomain);
  }

  /** The JWT bundles (the server's trust domain). */
  getJwtBundles(): JwtBundleSet {
    return new JwtBundleSet([this.currentBundle().toJwtBundle()]);
  }

  /** A JWT-SVID for `params` (the `subject`'s, else the first entry's), cached until half its lifetime. */
  async fetchJwtSvid(params: JwtSvidParams, signal?: AbortSignal): Promise<JwtSvid> {
    const svids = await this.fetchJwtSvids(params, signal);
    return svids[0];
  }

  /** JWT-SVIDs of every matching identity (or only `params.subject`) for `params`' audiences. */
  async fetchJwtSvids(params: JwtSvidParams, signal?: AbortSignal): Promise<readonly JwtSvid[]> {
    this.checkOpen();
    const audience = [params.audience, ...(params.extraAudiences ?? [])];
    return this.jwtCache.get(jwtCacheKey(params), async () => {
      const svids = await this.client.fetchJwtSvids(audience, { spiffeId: params.subject, signal });
      this.trustDomain ??= svids[0].id.trustDomain;
      return svids;
    });
  }

  /** Calls `listener` after every X.509 or bundle update; returns a function that unsubscribes it. */
  onUpdate(listener: () => void): () => void {
    return this.updates.subscribe(listener);
  }

  /** Stops the refresh timers and forgets the cached tokens. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    this.x509Refresher.stop();
    this.bundleRefresher.stop();
    this.jwtCache.clear();
    this.updates.clear();
    return Promise.resolve();
  }

  /** Same as {@link close}: `await using source = await ManagedIdentitySource.create(...)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async refreshX509(signal?: AbortSignal): Promise<number> {
    const { svids, bundle } = await this.client.fetchX509Svids({ spiffeId: this.spiffeId, signal });
    if (this.closed) return 0;
    if (this.trustDomain && !this.trustDomain.equals(bundle.trustDomain)) {
      throw new ManagedWorkloadError(
        'ERR_MANAGED_RESPONSE',
        `the server answered for trust domain "${bundle.trustDomain.name}", not "${this.trustDomain.name}"`,
      );
    }
    this.trustDomain = bundle.trustDomain;
    this.x509State = { svids };
    this.updates.emit();
    return x509HalfLifeDelay(svids);
  }

  private async refreshBundle(signal?: AbortSignal): Promise<number> {
    const trustDomain = this.trustDomain as TrustDomain;
    const bundle = await this.client.fetchBundle(trustDomain, signal);
    if (this.closed) return 0;
    this.bundle = bundle;
    this.updates.emit();
    return bundleRefreshDelay(bundle);
  }

  private currentBundle(): SpiffeBundle {
    this.checkOpen();
    if (!this.bundle) {
      throw new ManagedWorkloadError(
        'ERR_MANAGED_PARAMS',
        'managed identity source has no bundle: pass trustDomain when x509 is false',
      );
    }
    return this.bundle;
  }

  private checkOpen(): void {
    if (this.closed)
      throw new ManagedWorkloadError('ERR_MANAGED_PARAMS', 'managed identity source is closed');
  }
}

function parseOptional<V>(
  value: string | V | undefined,
  parse: (s: string) => V,
  name: string,
): V | undefined {
  if (value === undefined || typeof value !== 'string') return value;
  try {
    return parse(value);
  } catch (err) {
    throw new ManagedWorkloadError('ERR_MANAGED_PARAMS', `${name}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
