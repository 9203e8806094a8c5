import './dispose-symbol';
import * as grpc from '@grpc/grpc-js';
import {
  loadWorkloadApi,
  type JWTSVIDResponse__Output,
  type SpiffeWorkloadAPIClient,
  type ValidateJWTSVIDResponse__Output,
} from '@lanyard/proto';
import { Backoff, type BackoffOptions, type LanyardError } from '@lanyard/base';
import { unary } from '@lanyard/base/grpc';
import { WorkloadApiError } from '../errors/workload-api-error';
import type { JwtBundleSet, X509BundleSet } from '../bundle';
import { JwtSvid, type JwtSvidParams, type JwtSvidSource } from '../jwt';
import type { X509Svid } from '../x509';
import { resolveWorkloadApiTarget } from './address';
import { workloadApiError } from './grpc-error';
import {
  parseJwtBundlesResponse,
  parseJwtSvidResponse,
  parseX509BundlesResponse,
  parseX509SvidResponse,
  type X509Context,
} from './parse';
import { StreamWatch, type Watch, type Watcher } from './watch';
import { abortedError, onAbort, type WorkloadApiCallOptions } from './abort';
import { WatchIterator, type WatchOptions } from './watch-iterator';

/**
 * Largest Workload API message received by default: 16 MiB, the most a Lanyard agent sends (its
 * `lanyard_limits.max_message_size` default), instead of grpc-js' 4 MiB; `channelOptions` can change it.
 */
const MAX_RECEIVE_BYTES = 16 * 1024 * 1024;

/** Options of {@link WorkloadApiClient}. */
export interface WorkloadApiClientOptions {
  /** `unix:///path`, `unix:/path` or `tcp://<ip>:<port>`; default: the `SPIFFE_ENDPOINT_SOCKET` variable. */
  readonly address?: string;
  /** Reconnect delays of watches (default 1 s doubling up to 30 s). */
  readonly backoff?: BackoffOptions;
  /** Deadline for one-shot fetches and unary calls, in ms (default: none, as go-spiffe). */
  readonly callTimeoutMs?: number;
  /** Extra grpc-js channel options (they override the defaults, e.g. `grpc.max_receive_message_length`). */
  readonly channelOptions?: grpc.ChannelOptions;
}

/** Header every Workload API call carries (SSRF guard; SPIFFE.md §5.3). */
export const WORKLOAD_API_HEADER = 'workload.spiffe.io';

type Stream<M> = grpc.ClientReadableStream<M>;

/**
 * A SPIFFE Workload API client over one lazily-dialled gRPC channel (plaintext, usually a Unix socket). Every
 * call sends `workload.spiffe.io: true`. One-shot fetches read the first message of a stream and cancel it;
 * watches keep one stream open and reconnect with backoff (see {@link StreamWatch}).
 *
 * @example
 * ```ts
 * await using client = new WorkloadApiClient({ address: 'unix:///run/spire/agent.sock' });
 * const { defaultSvid } = await client.fetchX509Context({ signal: AbortSignal.timeout(5000) });
 * const jwt = await client.fetchJwtSvid({ audience: 'spiffe://example.org/db' });
 * for await (const context of client.watchX509Context({ signal })) use(context.defaultSvid);
 * ```
 */
export class WorkloadApiClient implements JwtSvidSource, AsyncDisposable {
  private readonly target: string;
  private readonly options: WorkloadApiClientOptions;
  private grpcClient: SpiffeWorkloadAPIClient | undefined;
  private readonly calls = new Set<grpc.Call>();
  private readonly watches = new Set<Watch>();
  private closed = false;

  /** @throws WorkloadApiError (`ERR_WORKLOAD_ADDRESS`) if the address is missing or malformed. */
  constructor(options: WorkloadApiClientOptions = {}) {
    this.target = resolveWorkloadApiTarget(options.address);
    this.options = options;
  }

  /** Fetches the current SVIDs and X.509 bundles (one message of `FetchX509SVID`). */
  async fetchX509Context(options: WorkloadApiCallOptions = {}): Promise<X509Context> {
    return parseX509SvidResponse(
      await this.firstMessage('FetchX509SVID', (c, md, o) => c.FetchX509SVID({}, md, o), options.signal),
    );
  }

  /** Fetches the default X.509-SVID. */
  async fetchX509Svid(options: WorkloadApiCallOptions = {}): Promise<X509Svid> {
    return (await this.fetchX509Context(options)).defaultSvid;
  }

  /** Fetches every X.509-SVID of the workload (first = default). */
  async fetchX509Svids(options: WorkloadApiCallOptions = {}): Promise<readonly X509Svid[]> {
    return (await this.fetchX509Context(options)).svids;
  }

  /** Fetches the X.509 bundles of every trust domain the workload may use (`FetchX509Bundles`). */
  async fetchX509Bundles(options: WorkloadApiCallOptions = {}): Promise<X509BundleSet> {
    const message = await this.firstMessage(
      'FetchX509Bundles',
      (c, md, o) => c.FetchX509Bundles({}, md, o),
      options.signal,
    );
    return parseX509BundlesResponse(message);
  }

  /** Fetches the JWT bundles of every trust domain the workload may use (`FetchJWTBundles`). */
  async fetchJwtBundles(options: WorkloadApiCallOptions = {}): Promise<JwtBundleSet> {
    const message = await this.firstMessage(
      'FetchJWTBundles',
      (c, md, o) => c.FetchJWTBundles({}, md, o),
      options.signal,
    );
    return parseJwtBundlesResponse(message);
  }

  /** Fetches one JWT-SVID for `audience` (+ `extraAudiences`): the one of `subject`, or the default identity. */
  async fetchJwtSvid(params: JwtSvidParams, options: WorkloadApiCallOptions = {}): Promise<JwtSvid> {
    return (await this.fetchJwtSvids(params, options))[0];
  }

  /** Fetches a JWT-SVID for every identity of the workload (or only `subject`'s). */
  async fetchJwtSvids(params: JwtSvidParams, options: WorkloadApiCallOptions = {}): Promise<JwtSvid[]> {
    if (!params.audience)
      throw new WorkloadApiError('ERR_WORKLOAD_PARAMS', 'jwt svid params: audience is required');
    const audience = [params.audience, ...(params.extraAudiences ?? [])];
    const request = { audience, spiffe_id: params.subject?.toString() ?? '' };
    const response = await this.unary<JWTSVIDResponse__Output>(
      'FetchJWTSVID',
      (c, md, o, cb) => c.FetchJWTSVID(request, md, o, cb),
      options.signal,
    );
    return parseJwtSvidResponse(response, audience);
  }

  /**
   * Asks the agent to validate `token` for `audience` (`ValidateJWTSVID`). Any non-OK status rejects; on OK the
   * token is parsed locally (without signature check, the agent did it) as go-spiffe does.
   */
  async validateJwtSvid(
    token: string,
    audience: string,
    options: WorkloadApiCallOptions = {},
  ): Promise<JwtSvid> {
    if (!token) throw new WorkloadApiError('ERR_WORKLOAD_PARAMS', 'validate jwt svid: token is required');
    if (!audience)
      throw new WorkloadApiError('ERR_WORKLOAD_PARAMS', 'validate jwt svid: audience is required');
    const request = { audience, svid: token };
    await this.unary<ValidateJWTSVIDResponse__Output>(
      'ValidateJWTSVID',
      (c, md, o, cb) => c.ValidateJWTSVID(request, md, o, cb),
      options.signal,
    );
    return JwtSvid.parseInsecure(token, { audience });
  }

  /**
   * Watches the X.509 context (`FetchX509SVID`), reconnecting with backoff: as an async iterable
   * (`for await (const ctx of client.watchX509Context({ signal }))`) or with callbacks (returns a {@link Watch}).
   */
  watchX509Context(watcher: Watcher<X509Context>): Watch;
  watchX509Context(options?: WatchOptions): WatchIterator<X509Context>;
  watchX509Context(arg: Watcher<X509Context> | WatchOptions = {}): Watch | WatchIterator<X509Context> {
    return this.watchEither(arg, (watcher) =>
      this.watch('FetchX509SVID', (c, md) => c.FetchX509SVID({}, md), parseX509SvidResponse, watcher),
    );
  }

  /** Watches the X.509 bundles (`FetchX509Bundles`); async iterable or callbacks as {@link watchX509Context}. */
  watchX509Bundles(watcher: Watcher<X509BundleSet>): Watch;
  watchX509Bundles(options?: WatchOptions): WatchIterator<X509BundleSet>;
  watchX509Bundles(arg: Watcher<X509BundleSet> | WatchOptions = {}): Watch | WatchIterator<X509BundleSet> {
    return this.watchEither(arg, (watcher) =>
      this.watch(
        'FetchX509Bundles',
        (c, md) => c.FetchX509Bundles({}, md),
        parseX509BundlesResponse,
        watcher,
      ),
    );
  }

  /** Watches the JWT bundles (`FetchJWTBundles`); async iterable or callbacks as {@link watchX509Context}. */
  watchJwtBundles(watcher: Watcher<JwtBundleSet>): Watch;
  watchJwtBundles(options?: WatchOptions): WatchIterator<JwtBundleSet>;
  watchJwtBundles(arg: Watcher<JwtBundleSet> | WatchOptions = {}): Watch | WatchIterator<JwtBundleSet> {
    return this.watchEither(arg, (watcher) =>
      this.watch('FetchJWTBundles', (c, md) => c.FetchJWTBundles({}, md), parseJwtBundlesResponse, watcher),
    );
  }

  /**
   * Stops every watch, cancels calls in flight and closes the channel; resolves when every watch has ended.
   * Idempotent. `await using client = new WorkloadApiClient()` calls it on scope exit.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const watches = [...this.watches];
    for (const watch of watches) watch.stop();
    for (const call of [...this.calls]) call.cancel();
    this.grpcClient?.close();
    this.grpcClient = undefined;
    await Promise.all(watches.map((watch) => watch.done));
  }

  /** Same as {@link close}. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private watchEither<T>(
    arg: Watcher<T> | WatchOptions,
    start: (watcher: Watcher<T>) => Watch,
  ): Watch | WatchIterator<T> {
    if ('onUpdate' in arg) return start(arg);
    this.client(); // a closed client refuses here, not on the first next()
    return new WatchIterator(start, arg);
  }

  private client(): SpiffeWorkloadAPIClient {
    if (this.closed)
      throw new WorkloadApiError('ERR_WORKLOAD_CLIENT_CLOSED', 'workload api client is closed');
    if (!this.grpcClient) {
      const Client = loadWorkloadApi().SpiffeWorkloadAPI;
      this.grpcClient = new Client(this.target, grpc.credentials.createInsecure(), {
        'grpc.max_receive_message_length': MAX_RECEIVE_BYTES,
        ...this.options.channelOptions,
      });
    }
    return this.grpcClient;
  }

  private metadata(): grpc.Metadata {
    const metadata = new grpc.Metadata();
    metadata.set(WORKLOAD_API_HEADER, 'true');
    return metadata;
  }

  private callOptions(): grpc.CallOptions {
    const timeout = this.options.callTimeoutMs;
    return timeout === undefined ? {} : { deadline: Date.now() + timeout };
  }

  private track<C extends grpc.Call>(call: C): C {
    this.calls.add(call);
    call.on('status', () => this.calls.delete(call));
    return call;
  }

  private firstMessage<M>(
    method: string,
    open: (client: SpiffeWorkloadAPIClient, md: grpc.Metadata, options: grpc.CallOptions) => Stream<M>,
    signal: AbortSignal | undefined,
  ): Promise<M> {
    if (signal?.aborted) return Promise.reject(abortedError(`workload api ${method}`, signal));
    return new Promise((resolve, reject) => {
      const stream = this.track(open(this.client(), this.metadata(), this.callOptions()));
      let settled = false;
      const settle = (fn: () => void) => {
        if (!settled) fn();
        settled = true;
        removeAbort();
      };
      const removeAbort = onAbort(signal, () => {
        settle(() => reject(abortedError(`workload api ${method}`, signal as AbortSignal)));
        stream.cancel();
      });
      stream.on('data', (message: M) => {
        settle(() => resolve(message));
        stream.cancel();
      });
      stream.on('error', (err) => settle(() => reject(workloadApiError(method, err))));
      stream.on('end', () =>
        settle(() =>
          reject(workloadApiError(method, { code: grpc.status.UNAVAILABLE, details: 'stream ended' })),
        ),
      );
    });
  }

  /** One unary call through the gRPC bridge, tracked so {@link close} cancels it; errors as go-spiffe words them. */
  private async unary<M>(
    method: string,
    invoke: (
      client: SpiffeWorkloadAPIClient,
      md: grpc.Metadata,
      options: grpc.CallOptions,
      callback: grpc.requestCallback<M>,
    ) => grpc.ClientUnaryCall,
    signal: AbortSignal | undefined,
  ): Promise<M> {
    let response: M | undefined;
    try {
      response = await unary<M>(
        (_options, cb) => this.track(invoke(this.client(), this.metadata(), this.callOptions(), cb)),
        { signal },
      );
    } catch (err) {
      throw signal?.aborted ? abortedError(`workload api ${method}`, signal) : workloadApiError(method, err);
    }
    if (response === undefined || response === null) throw workloadApiError(method, null);
    return response;
  }

  private watch<M, T>(
    method: string,
    open: (client: SpiffeWorkloadAPIClient, md: grpc.Metadata) => Stream<M>,
    parse: (message: M) => T,
    watcher: Watcher<T>,
  ): Watch {
    const client = this.client();
    const watch = new StreamWatch<M>(
      method,
      () => this.track(open(client, this.metadata())),
      (message) => watcher.onUpdate(parse(message)),
      (err: LanyardError) => watcher.onError?.(err),
      new Backoff(this.options.backoff),
      (ended) => this.watches.delete(ended),
    );
    this.watches.add(watch);
    return watch.start();
  }
}
