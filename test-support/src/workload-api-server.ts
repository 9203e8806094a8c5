import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadWorkloadApi, type SpiffeWorkloadAPIHandlers } from '@lanyard/proto';
import {
  jwtBundlesResponse,
  toProtoStruct,
  x509BundlesFromContext,
  x509BundlesResponse,
  x509SvidResponse,
  type WorkloadJwtBundle,
  type WorkloadX509Context,
} from './workload-api-state';
import { validateJwtForTestServer } from './workload-jwt-validator';
import {
  NO_IDENTITY,
  checkJwtSvidRequest,
  jwtKeysByTrustDomain,
  mintJwtSvids,
  type InjectedError,
  type WorkloadJwtIdentity,
} from './workload-api-jwt';

/** The five Workload API methods. */
export type WorkloadApiMethod =
  'FetchX509SVID' | 'FetchX509Bundles' | 'FetchJWTSVID' | 'FetchJWTBundles' | 'ValidateJWTSVID';

/** One call as the server saw it. */
export interface RecordedCall {
  method: WorkloadApiMethod;
  /** Values of the `workload.spiffe.io` metadata key. */
  securityHeader: string[];
  request: unknown;
}

/** Options for {@link WorkloadApiTestServer.start}. */
export interface WorkloadApiTestServerOptions {
  /** Socket path; default `<fresh temp dir>/agent.sock`. */
  socketPath?: string;
}

type StreamMethod = 'FetchX509SVID' | 'FetchX509Bundles' | 'FetchJWTBundles';
type AnyStream = grpc.ServerWritableStream<unknown, unknown>;

const HEADER = 'workload.spiffe.io';

/**
 * A real grpc-js `SpiffeWorkloadAPI` server on a temporary Unix socket, serving injectable state. Every call
 * must carry `workload.spiffe.io: true` (else INVALID_ARGUMENT, as SPIRE does). State setters push a fresh
 * complete message to every open stream of the affected RPCs. With no state set, RPCs answer
 * PERMISSION_DENIED "no identity issued".
 *
 * @example
 * ```ts
 * const server = await WorkloadApiTestServer.start();
 * server.setX509Context({ svids: [ca.issueX509Svid({ spiffeId: 'spiffe://example.org/web' })] });
 * const client = new WorkloadApiClient({ address: server.address });
 * await server.close();
 * ```
 */
export class WorkloadApiTestServer {
  /** Absolute path of the Unix socket. */
  readonly socketPath: string;
  /** Every call received, in order (including rejected ones). */
  readonly calls: RecordedCall[] = [];
  private readonly ownedDir: string | undefined;
  private server: grpc.Server | undefined;
  private x509Context: WorkloadX509Context | null = null;
  private x509Bundles: Record<string, Buffer[] | Buffer> | null = null;
  private jwtBundles: Record<string, WorkloadJwtBundle> | null = null;
  private jwtIdentities: WorkloadJwtIdentity[] = [];
  private readonly errors = new Map<WorkloadApiMethod, InjectedError>();
  private readonly held = new Set<StreamMethod>();
  private readonly streams: Record<StreamMethod, Set<AnyStream>> = {
    FetchX509SVID: new Set(),
    FetchX509Bundles: new Set(),
    FetchJWTBundles: new Set(),
  };

  private constructor(socketPath: string, ownedDir: string | undefined) {
    this.socketPath = socketPath;
    this.ownedDir = ownedDir;
  }

  /** Starts a server; resolves once it listens. */
  static async start(options: WorkloadApiTestServerOptions = {}): Promise<WorkloadApiTestServer> {
    const ownedDir = options.socketPath ? undefined : fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-wl-'));
    const server = new WorkloadApiTestServer(
      options.socketPath ?? path.join(ownedDir!, 'agent.sock'),
      ownedDir,
    );
    await server.listen();
    return server;
  }

  /** `unix://` URI of the socket, as `SPIFFE_ENDPOINT_SOCKET` would hold it. */
  get address(): string {
    return `unix://${this.socketPath}`;
  }

  /** Sets (or with `null` clears) the X.509 context; pushes to open X.509 SVID and bundle streams. */
  setX509Context(context: WorkloadX509Context | null): void {
    this.x509Context = context;
    this.pushAll('FetchX509SVID');
    if (!this.x509Bundles) this.pushAll('FetchX509Bundles');
  }

  /** Overrides the bundles served by `FetchX509Bundles` (default: derived from the X.509 context). */
  setX509Bundles(bundles: Record<string, Buffer[] | Buffer> | null): void {
    this.x509Bundles = bundles;
    this.pushAll('FetchX509Bundles');
  }

  /** Sets the JWT bundles (`spiffe://<td>` → JWK Set) served and used by `ValidateJWTSVID`; pushes to streams. */
  setJwtBundles(bundles: Record<string, WorkloadJwtBundle> | null): void {
    this.jwtBundles = bundles;
    this.pushAll('FetchJWTBundles');
  }

  /** Sets the identities `FetchJWTSVID` mints tokens for; the first is the default. */
  setJwtIdentities(identities: WorkloadJwtIdentity[]): void {
    this.jwtIdentities = identities;
  }

  /** Makes every later call of `method` fail with `error` (after the header check); `null` clears it. */
  setError(method: WorkloadApiMethod, error: InjectedError | null): void {
    if (error) this.errors.set(method, error);
    else this.errors.delete(method);
  }

  /**
   * While held, streams of `method` open but receive nothing (a slow agent); releasing sends every held
   * stream the current state.
   */
  holdStreams(method: StreamMethod, hold: boolean): void {
    if (hold) this.held.add(method);
    else if (this.held.delete(method)) this.pushAll(method);
  }

  /** Ends the open streams of `method` (all streaming methods if omitted) with `error`, or OK when absent. */
  endStreams(method?: StreamMethod, error?: InjectedError): void {
    for (const name of method ? [method] : (Object.keys(this.streams) as StreamMethod[])) {
      for (const call of this.streams[name]) {
        if (error) call.emit('error', { code: error.code, details: error.details ?? '' });
        else call.end();
      }
      this.streams[name].clear();
    }
  }

  /** Number of currently open streams of a streaming method. */
  openStreams(method: StreamMethod): number {
    return this.streams[method].size;
  }

  /**
   * Stops listening. By default open streams first end with UNAVAILABLE "server stopping" and the server shuts
   * down gracefully; `{ abrupt: true }` drops every connection at once (grpc-js clients then see CANCELLED).
   * The socket path can be reused with {@link restart}.
   */
  async stop(options: { abrupt?: boolean } = {}): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    if (options.abrupt) {
      for (const set of Object.values(this.streams)) set.clear();
      server.forceShutdown();
    } else {
      this.endStreams(undefined, { code: grpc.status.UNAVAILABLE, details: 'server stopping' });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => server.forceShutdown(), 500);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    fs.rmSync(this.socketPath, { force: true });
  }

  /** Starts listening again on the same socket with the same state (after {@link stop}). */
  async restart(): Promise<void> {
    if (!this.server) await this.listen();
  }

  /** Stops the server and removes the temporary directory it created. */
  async close(): Promise<void> {
    await this.stop();
    if (this.ownedDir) fs.rmSync(this.ownedDir, { recursive: true, force: true });
  }

  private async listen(): Promise<void> {
    fs.rmSync(this.socketPath, { force: true });
    const server = new grpc.Server();
    server.addService(loadWorkloadApi().SpiffeWorkloadAPI.service, this.handlers());
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix://${this.socketPath}`, grpc.ServerCredentials.createInsecure(), (err) =>
        err ? reject(err) : resolve(),
      ),
    );
    this.server = server;
  }

  /** Records the call and returns the error to answer with, if any (header check first). */
  private admit(method: WorkloadApiMethod, call: { metadata: grpc.Metadata; request: unknown }) {
    const securityHeader = call.metadata.get(HEADER).map(String);
    this.calls.push({ method, securityHeader, request: call.request });
    if (securityHeader.length !== 1 || securityHeader[0] !== 'true') {
      return { code: grpc.status.INVALID_ARGUMENT, details: 'security header missing from request' };
    }
    return this.errors.get(method);
  }

  private handlers(): SpiffeWorkloadAPIHandlers {
    return {
      FetchX509SVID: (call) => this.openStream('FetchX509SVID', call as AnyStream),
      FetchX509Bundles: (call) => this.openStream('FetchX509Bundles', call as AnyStream),
      FetchJWTBundles: (call) => this.openStream('FetchJWTBundles', call as AnyStream),
      FetchJWTSVID: (call, callback) => {
        const failure =
          this.admit('FetchJWTSVID', call) ?? checkJwtSvidRequest(call.request, this.jwtIdentities);
        if (failure) return callback(failure);
        const wanted = call.request.spiffe_id;
        callback(null, mintJwtSvids(this.jwtIdentities, wanted, call.request.audience));
      },
      ValidateJWTSVID: (call, callback) => {
        const { audience, svid } = call.request;
        const failure = this.admit('ValidateJWTSVID', call);
        if (failure) return callback(failure);
        if (!audience)
          return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'audience must be specified' });
        if (!svid) return callback({ code: grpc.status.INVALID_ARGUMENT, details: 'svid must be specified' });
        void validateJwtForTestServer(svid, audience, jwtKeysByTrustDomain(this.jwtBundles)).then(
          (result) => {
            if (!result.ok) return callback({ code: grpc.status.INVALID_ARGUMENT, details: result.reason });
            callback(null, { spiffe_id: result.spiffeId, claims: toProtoStruct(result.claims) });
          },
        );
      },
    };
  }

  private openStream(method: StreamMethod, call: AnyStream): void {
    const failure = this.admit(method, call);
    if (failure) {
      call.emit('error', { code: failure.code, details: failure.details ?? '' });
      return;
    }
    const set = this.streams[method];
    set.add(call);
    call.on('cancelled', () => set.delete(call));
    call.on('close', () => set.delete(call));
    this.push(method, call);
  }

  /** The current message for a streaming method, or the error that ends the stream. */
  private message(method: StreamMethod): { message: unknown } | { error: InjectedError } {
    if (method === 'FetchX509SVID') {
      return this.x509Context ? { message: x509SvidResponse(this.x509Context) } : { error: NO_IDENTITY };
    }
    if (method === 'FetchX509Bundles') {
      const bundles = this.x509Bundles ?? (this.x509Context && x509BundlesFromContext(this.x509Context));
      return bundles
        ? { message: x509BundlesResponse(bundles, this.x509Context?.crl) }
        : { error: NO_IDENTITY };
    }
    return this.jwtBundles ? { message: jwtBundlesResponse(this.jwtBundles) } : { error: NO_IDENTITY };
  }

  private push(method: StreamMethod, call: AnyStream): void {
    if (this.held.has(method)) return;
    const next = this.message(method);
    if ('message' in next) {
      call.write(next.message);
      return;
    }
    this.streams[method].delete(call);
    call.emit('error', { code: next.error.code, details: next.error.details ?? '' });
  }

  private pushAll(method: StreamMethod): void {
    for (const call of [...this.streams[method]]) this.push(method, call);
  }
}
