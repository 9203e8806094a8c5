import './dispose-symbol';
import type { LanyardError } from '@lanyard/base';
import type { TrustDomain } from '../id';
import type { JwtBundle, JwtBundleSet, JwtBundleSource } from '../bundle';
import type { JwtSvid, JwtSvidParams, JwtSvidSource } from '../jwt';
import { WorkloadApiClient, type WorkloadApiClientOptions } from './client';
import { SourceState } from './source-state';
import type { WorkloadApiCallOptions } from './abort';

/** Options of {@link JwtSource.create}. */
export interface JwtSourceOptions {
  /** Options for the client the source creates (and closes with itself). */
  readonly clientOptions?: WorkloadApiClientOptions;
  /** Use this client instead (the source does not close it). */
  readonly client?: WorkloadApiClient;
  /** Give up waiting for the first bundles after this many ms (default: wait until closed). */
  readonly timeoutMs?: number;
  /** Abandons `create()` (rejects with `ERR_WORKLOAD_ABORTED`, closing what it opened). Not used afterwards. */
  readonly signal?: AbortSignal;
  /** Called with every watch error. */
  readonly onError?: (err: LanyardError) => void;
}

/**
 * JWT bundles kept current by a `FetchJWTBundles` watch, plus JWT-SVIDs fetched on demand with the unary
 * `FetchJWTSVID` (go-spiffe's `JWTSource`). Use it to validate incoming tokens with
 * `JwtSvid.parseAndValidate(token, { bundles: source, audience })` and to mint outgoing ones.
 *
 * @example
 * ```ts
 * await using source = await JwtSource.create({ signal: AbortSignal.timeout(10_000) });
 * const mine = await source.fetchJwtSvid({ audience: 'spiffe://example.org/db' });
 * const theirs = JwtSvid.parseAndValidate(incoming, { bundles: source, audience: 'spiffe://example.org/web' });
 * // closed when the scope ends
 * ```
 */
export class JwtSource implements AsyncDisposable, JwtSvidSource, JwtBundleSource {
  private readonly state: SourceState<JwtBundleSet>;

  private constructor(
    private readonly client: WorkloadApiClient,
    ownsClient: boolean,
  ) {
    this.state = new SourceState('jwt source', client, ownsClient);
  }

  /** Connects and waits for the first JWT bundles (errors other than INVALID_ARGUMENT keep it retrying). */
  static async create(options: JwtSourceOptions = {}): Promise<JwtSource> {
    const client = options.client ?? new WorkloadApiClient(options.clientOptions);
    const source = new JwtSource(client, !options.client);
    const watch = client.watchJwtBundles({
      onUpdate: (bundles) => source.state.set(bundles),
      onError: (err) => options.onError?.(err),
    });
    await source.state.start(watch, options.timeoutMs, options.signal);
    return source;
  }

  /** Fetches a JWT-SVID from the Workload API (not cached). */
  async fetchJwtSvid(params: JwtSvidParams, options: WorkloadApiCallOptions = {}): Promise<JwtSvid> {
    this.state.current();
    return this.client.fetchJwtSvid(params, options);
  }

  /** Fetches a JWT-SVID for every identity of the workload. */
  async fetchJwtSvids(params: JwtSvidParams, options: WorkloadApiCallOptions = {}): Promise<JwtSvid[]> {
    this.state.current();
    return this.client.fetchJwtSvids(params, options);
  }

  /** The current JWT bundle of `trustDomain`. @throws BundleError (`ERR_BUNDLE_NOT_FOUND`) if there is none. */
  getJwtBundleForTrustDomain(trustDomain: TrustDomain): JwtBundle {
    return this.state.current().getJwtBundleForTrustDomain(trustDomain);
  }

  /** Every current JWT bundle. */
  getJwtBundles(): JwtBundleSet {
    return this.state.current();
  }

  /** Calls `listener` after every bundle update; returns a function that unsubscribes it. */
  onUpdate(listener: () => void): () => void {
    return this.state.onUpdate(listener);
  }

  /** Stops the watch (and closes the client if the source created it). Idempotent. */
  async close(): Promise<void> {
    await this.state.close();
  }

  /** Same as {@link close}: `await using source = await JwtSource.create()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
