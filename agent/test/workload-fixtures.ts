/** Shared fixtures of the Workload API tests: a trust domain from TestCa, a running server, a grpc-js client. */
import { execFile } from 'node:child_process';
import { X509Certificate, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import type { WorkloadAttestor } from '@lanyard/attestor-core';
import { parseSelector } from '@lanyard/attestor-core';
import { loadWorkloadApi, type SpiffeWorkloadAPIClient } from '@lanyard/proto';
import { SpiffeBundle, TrustDomain } from '@lanyard/spiffe';
import { pathForOtherUsers, TestCa, type TestJwtKey } from '@lanyard/test-support';
import {
  IdentityCache,
  createSvidMaterial,
  type WorkloadEntry,
  type X509SvidMaterial,
} from '../src/manager/cache';
import {
  WorkloadApiServer,
  type WorkloadApiServerOptions,
  type JwtSvidMinter,
  type JwtSvidMintRequest,
  type MintedJwtSvid,
} from '../src/workload';

/** A test trust domain: CA, one JWT key and the cache form of its bundle. */
export interface TestTrustDomain {
  readonly name: string;
  readonly ca: TestCa;
  readonly jwtKey: TestJwtKey;
  readonly bundle: SpiffeBundle;
}

/** A `SpiffeBundle` of `name` from DER roots and kid → key pairs (the form the agent's cache holds). */
export function spiffeBundle(
  name: string,
  rootsDer: readonly Buffer[],
  jwtKeys: Iterable<[string, KeyObject]> = [],
): SpiffeBundle {
  return new SpiffeBundle({
    trustDomain: TrustDomain.parse(name),
    x509Authorities: rootsDer.map((der) => new X509Certificate(der)),
    jwtAuthorities: jwtKeys,
  });
}

/** Creates a trust domain with a root CA and one ES256 JWT key. */
export function makeTrustDomain(name: string): TestTrustDomain {
  const ca = TestCa.create({ trustDomain: name });
  const jwtKey = ca.createJwtKey();
  return {
    name,
    ca,
    jwtKey,
    bundle: spiffeBundle(name, ca.bundle(), [[jwtKey.kid, jwtKey.publicKey]]),
  };
}

/** An entry with `type:value` selector strings. */
export function makeEntry(
  entryId: string,
  spiffeId: string,
  selectors: string[],
  extra: Partial<Omit<WorkloadEntry, 'entryId' | 'spiffeId' | 'selectors'>> = {},
): WorkloadEntry {
  return {
    entryId,
    spiffeId,
    selectors: selectors.map(parseSelector),
    hint: '',
    federatesWith: [],
    revision: 1,
    createdAt: 1_700_000_000,
    ...extra,
  };
}

/** Issues an X.509-SVID for an entry with the trust domain's CA (or an intermediate `ca`). */
export function issueSvid(
  ca: TestCa,
  entry: WorkloadEntry,
  ttlSeconds = 3600,
  notBefore?: Date,
): X509SvidMaterial {
  const svid = ca.issueX509Svid({ spiffeId: entry.spiffeId, ttlSeconds, notBefore });
  return createSvidMaterial({
    certChainDer: svid.certificates.map((c) => c.der),
    privateKey: svid.privateKey,
    entryRevision: entry.revision,
  });
}

/** A real attestor over the peer credentials: `test:uid:<uid>`, `test:gid:<gid>`. */
export const peerCredAttestor: WorkloadAttestor = {
  name: 'test',
  attest: async (caller) => [
    { type: 'test', value: `uid:${caller.uid}` },
    { type: 'test', value: `gid:${caller.gid}` },
  ],
};

/** A minter signing with the trust domain's JWT key; counts calls and can be told to fail. */
export class TestMinter implements JwtSvidMinter {
  calls = 0;
  failWith: Error | undefined;
  ttlSeconds = 300;

  constructor(private readonly td: TestTrustDomain) {}

  async mintJwtSvid(request: JwtSvidMintRequest): Promise<MintedJwtSvid> {
    this.calls++;
    if (this.failWith) throw this.failWith;
    const now = Math.floor(Date.now() / 1000);
    const token = this.td.jwtKey.signJwtSvid({
      spiffeId: request.spiffeId,
      audience: [...request.audience],
      ttlSeconds: this.ttlSeconds,
      nowSeconds: now,
    });
    return { token, issuedAt: new Date(now * 1000), expiresAt: new Date((now + this.ttlSeconds) * 1000) };
  }
}

/** A running Workload API server on a fresh temp socket. */
export interface RunningApi {
  readonly dir: string;
  readonly socketPath: string;
  readonly server: WorkloadApiServer;
  readonly cache: IdentityCache;
  readonly minter: TestMinter;
  readonly td: TestTrustDomain;
  close(): Promise<void>;
}

/** Starts a server with an empty cache (bundle set unless `ready: false`). */
export async function startApi(
  options: {
    td?: TestTrustDomain;
    attestors?: WorkloadAttestor[];
    ready?: boolean;
    allowUnauthenticatedVerifiers?: boolean;
    allowedForeignJwtClaims?: string[];
    /** Further server options (SDS settings, disabled APIs). */
    server?: Partial<WorkloadApiServerOptions>;
  } = {},
): Promise<RunningApi> {
  const td = options.td ?? makeTrustDomain('example.org');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lanyard-wl-'));
  fs.chmodSync(dir, 0o755); // callers running as other uids must reach the socket
  const socketPath = path.join(dir, 'public', 'api.sock');
  const cache = new IdentityCache({ trustDomain: td.name });
  if (options.ready !== false) cache.setBundle(td.bundle);
  const minter = new TestMinter(td);
  const server = new WorkloadApiServer({
    socketPath,
    cache,
    attestors: options.attestors ?? [peerCredAttestor],
    jwtMinter: minter,
    allowUnauthenticatedVerifiers: options.allowUnauthenticatedVerifiers,
    allowedForeignJwtClaims: options.allowedForeignJwtClaims,
    ...options.server,
  });
  await server.start();
  return {
    dir,
    socketPath,
    server,
    cache,
    minter,
    td,
    close: async () => {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A plain grpc-js client of `SpiffeWorkloadAPI` on `unix://<path>` with its own connection (grpc-js would
 * otherwise share one subchannel between all clients of a target).
 */
export function workloadClient(socketPath: string): SpiffeWorkloadAPIClient {
  const Ctor = loadWorkloadApi().SpiffeWorkloadAPI;
  return new Ctor(`unix://${socketPath}`, grpc.credentials.createInsecure(), {
    'grpc.use_local_subchannel_pool': 1,
  });
}

/** Metadata with the security header (`value` overrides `true`; `null` omits it). */
export function header(value: string | null = 'true'): grpc.Metadata {
  const md = new grpc.Metadata();
  if (value !== null) md.set('workload.spiffe.io', value);
  return md;
}

/** Collects stream messages; `next()` resolves with the next one, `ended` with the final status. */
export class StreamReader<T> {
  private readonly queue: T[] = [];
  private waiters: Array<(m: T) => void> = [];
  readonly ended: Promise<grpc.StatusObject>;

  constructor(readonly stream: grpc.ClientReadableStream<T>) {
    stream.on('data', (m: T) => {
      const waiter = this.waiters.shift();
      if (waiter) waiter(m);
      else this.queue.push(m);
    });
    this.ended = new Promise((resolve) => {
      stream.on('status', (s: grpc.StatusObject) => resolve(s));
      stream.on('error', () => undefined);
    });
  }

  /** Next message, or rejects after `timeoutMs`. */
  next(timeoutMs = 5000): Promise<T> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no stream message within timeout')), timeoutMs);
      this.waiters.push((m) => {
        clearTimeout(timer);
        resolve(m);
      });
    });
  }

  /** Messages received and not yet read. */
  get pending(): number {
    return this.queue.length;
  }

  cancel(): void {
    this.stream.cancel();
  }
}

/** Unary call as a promise of the response or the ServiceError. */
export function unary<Req, Res>(
  fn: (req: Req, md: grpc.Metadata, cb: grpc.requestCallback<Res>) => unknown,
  request: Req,
  md: grpc.Metadata = header(),
): Promise<Res> {
  return new Promise((resolve, reject) => {
    fn(request, md, (err, res) => (err ? reject(err) : resolve(res as Res)));
  });
}

/** Waits until `predicate` holds (polling, bounded). */
export async function eventually(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not reached within timeout');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Result line of `workload-client-script.js`. */
export interface ClientProcessResult {
  code: number;
  details?: string;
  spiffeIds?: string[];
}

/**
 * Runs `workload-client-script.js` as its own process (optionally prefixed, e.g. by `runAsPrefix`, then from a
 * copy other users can read) and returns what it printed. The process exits right after its first answer.
 */
export function runClientProcess(
  socketPath: string,
  mode: 'x509' | 'jwt',
  options: { prefix?: string[]; audience?: string } = {},
): Promise<ClientProcessResult> {
  const local = path.join(__dirname, 'workload-client-script.js');
  const script = options.prefix ? pathForOtherUsers(local) : local;
  const argv = [
    ...(options.prefix ?? []),
    process.execPath,
    script,
    socketPath,
    mode,
    options.audience ?? '',
  ];
  return new Promise((resolve, reject) => {
    execFile(argv[0], argv.slice(1), { timeout: 20000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`client process failed: ${stderr || err.message}`));
      else resolve(JSON.parse(stdout) as ClientProcessResult);
    });
  });
}
