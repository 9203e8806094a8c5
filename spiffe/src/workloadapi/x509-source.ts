import './dispose-symbol';
import type { LanyardError } from '@lanyard/base';
import type { TrustDomain } from '../id';
import type { X509Bundle, X509BundleSet, X509BundleSource } from '../bundle';
import type { X509Svid, X509SvidSource } from '../x509';
import { WorkloadApiClient, type WorkloadApiClientOptions } from './client';
import type { X509Context } from './parse';
import { SourceState } from './source-state';

/** Options of {@link X509Source.create}. */
export interface X509SourceOptions {
  /** Options for the client the source creates (and closes with itself). */
  readonly clientOptions?: WorkloadApiClientOptions;
  /** Use this client instead (the source does not close it). */
  readonly client?: WorkloadApiClient;
  /** Chooses the SVID {@link X509Source.getX509Svid} returns (default: the first, i.e. the default identity). */
  readonly picker?: (svids: readonly X509Svid[]) => X509Svid;
  /** Give up waiting for the first update after this many ms (default: wait until closed, as go-spiffe). */
  readonly timeoutMs?: number;
  /** Abandons `create()` (rejects with `ERR_WORKLOAD_ABORTED`, closing what it opened). Not used afterwards. */
  readonly signal?: AbortSignal;
  /** Called with every watch error (the source keeps retrying unless the error is fatal). */
  readonly onError?: (err: LanyardError) => void;
}

/**
 * An always-current X.509-SVID and X.509 bundle source backed by a `FetchX509SVID` watch (go-spiffe's
 * `X509Source`). {@link create} resolves after the first update; later updates replace the state whole
 * (trust domains missing from a new message are forgotten). Close it to end the stream and its timers.
 *
 * @example
 * ```ts
 * await using source = await X509Source.create({ clientOptions: { address: 'unix:///run/agent.sock' } });
 * const svid = source.getX509Svid();
 * source.onUpdate(() => console.log('rotated to', source.getX509Svid().expiresAt));
 * // closed when the scope ends (or call `await source.close()`)
 * ```
 */
export class X509Source implements AsyncDisposable, X509SvidSource, X509BundleSource {
  private readonly state: SourceState<X509Context>;

  private constructor(
    client: WorkloadApiClient,
    ownsClient: boolean,
    private readonly picker: (svids: readonly X509Svid[]) => X509Svid,
  ) {
    this.state = new SourceState('x509 source', client, ownsClient);
  }

  /**
   * Connects and waits for the first X.509 context. PERMISSION_DENIED and UNAVAILABLE keep it waiting (the
   * watch retries); an INVALID_ARGUMENT answer, `timeoutMs` or a bad address reject.
   */
  static async create(options: X509SourceOptions = {}): Promise<X509Source> {
    const client = options.client ?? new WorkloadApiClient(options.clientOptions);
    const source = new X509Source(client, !options.client, options.picker ?? ((svids) => svids[0]));
    const watch = client.watchX509Context({
      onUpdate: (context) => source.state.set(context),
      onError: (err) => options.onError?.(err),
    });
    await source.state.start(watch, options.timeoutMs, options.signal);
    return source;
  }

  /** The current SVID (the picker's choice, default the first). */
  getX509Svid(): X509Svid {
    return this.picker(this.state.current().svids);
  }

  /** Every current SVID, first = default. */
  getX509Svids(): readonly X509Svid[] {
    return this.state.current().svids;
  }

  /** The current X.509 bundle of `trustDomain`. @throws BundleError (`ERR_BUNDLE_NOT_FOUND`) if there is none. */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    return this.state.current().bundles.getX509BundleForTrustDomain(trustDomain);
  }

  /** Every current X.509 bundle (own and federated trust domains). */
  getX509Bundles(): X509BundleSet {
    return this.state.current().bundles;
  }

  /** The whole current X.509 context. */
  getX509Context(): X509Context {
    return this.state.current();
  }

  /** Calls `listener` after every update; returns a function that unsubscribes it. */
  onUpdate(listener: () => void): () => void {
    return this.state.onUpdate(listener);
  }

  /** Stops the watch (and closes the client if the source created it). Idempotent. */
  async close(): Promise<void> {
    await this.state.close();
  }

  /** Same as {@link close}: `await using source = await X509Source.create()`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
