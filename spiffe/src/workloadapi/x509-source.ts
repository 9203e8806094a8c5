import { FailedPreconditionError, LanyardError, UnavailableError } from '../errors';
import type { TrustDomain } from '../id';
import type { X509Bundle, X509BundleSet, X509BundleSource } from '../bundle';
import type { X509Svid, X509SvidSource } from '../x509';
import { WorkloadApiClient, type WorkloadApiClientOptions } from './client';
import type { X509Context } from './parse';
import { Updates, waitForFirstUpdate } from './updates';
import type { Watch } from './watch';

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
 * const source = await X509Source.create({ clientOptions: { address: 'unix:///run/agent.sock' } });
 * const svid = source.getX509Svid();
 * source.onUpdate(() => console.log('rotated to', source.getX509Svid().expiresAt));
 * await source.close();
 * ```
 */
export class X509Source implements X509SvidSource, X509BundleSource {
  private context: X509Context | undefined;
  private closed = false;
  private readonly updates = new Updates();
  private watch: Watch | undefined;

  private constructor(
    private readonly client: WorkloadApiClient,
    private readonly ownsClient: boolean,
    private readonly picker: (svids: readonly X509Svid[]) => X509Svid,
  ) {}

  /**
   * Connects and waits for the first X.509 context. PERMISSION_DENIED and UNAVAILABLE keep it waiting (the
   * watch retries); an INVALID_ARGUMENT answer, `timeoutMs` or a bad address reject.
   */
  static async create(options: X509SourceOptions = {}): Promise<X509Source> {
    const client = options.client ?? new WorkloadApiClient(options.clientOptions);
    const source = new X509Source(client, !options.client, options.picker ?? ((svids) => svids[0]));
    const watch = client.watchX509Context({
      onUpdate: (context) => source.update(context),
      onError: (err) => options.onError?.(err),
    });
    source.watch = watch;
    try {
      await waitForFirstUpdate(source.updates, watch, options.timeoutMs, 'x509 source');
    } catch (err) {
      await source.close();
      throw err;
    }
    return source;
  }

  /** The current SVID (the picker's choice, default the first). */
  getX509Svid(): X509Svid {
    return this.picker(this.current().svids);
  }

  /** Every current SVID, first = default. */
  getX509Svids(): readonly X509Svid[] {
    return this.current().svids;
  }

  /** The current X.509 bundle of `trustDomain`. @throws NotFoundError if there is none. */
  getX509BundleForTrustDomain(trustDomain: TrustDomain): X509Bundle {
    return this.current().bundles.getX509BundleForTrustDomain(trustDomain);
  }

  /** Every current X.509 bundle (own and federated trust domains). */
  getX509Bundles(): X509BundleSet {
    return this.current().bundles;
  }

  /** The whole current X.509 context. */
  getX509Context(): X509Context {
    return this.current();
  }

  /** Calls `listener` after every update; returns a function that unsubscribes it. */
  onUpdate(listener: () => void): () => void {
    return this.updates.subscribe(listener);
  }

  /** Stops the watch (and closes the client if the source created it). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watch?.stop();
    this.updates.clear();
    if (this.ownsClient) this.client.close();
    await this.watch?.done;
  }

  private update(context: X509Context): void {
    if (this.closed) return;
    this.context = context;
    this.updates.emit();
  }

  private current(): X509Context {
    if (this.closed) throw new FailedPreconditionError('x509 source is closed', 'ERR_SOURCE_CLOSED');
    if (!this.context) throw new UnavailableError('x509 source has no update yet', 'ERR_SOURCE_NOT_READY');
    return this.context;
  }
}
