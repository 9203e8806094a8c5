/** Test harness: a real LanyardServer on temp dirs (SQLite by default), real grpc-js clients on UDS and TLS. */
import { X509Certificate, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { MemoryKeyManager } from '../../src/ca';
import { connectAdmin, connectServerApis, type ServerApiClients } from '../../src/cli/admin-client';
import { LanyardServer, type LanyardServerOptions } from '../../src/server';
import { encodePem } from '@lanyard/base';
import { makeCsr } from '../ca/helpers';

export const TD = 'example.org';

/** A running server with its temp dir and an admin client on the socket. */
export interface TestServer {
  server: LanyardServer;
  dir: string;
  socketPath: string;
  admin: ServerApiClients;
  stop(): Promise<void>;
}

/** Starts a server in a fresh temp dir (short path: Unix socket paths are limited to ~107 bytes). */
export async function startTestServer(
  overrides: Partial<LanyardServerOptions> = {},
  dir?: string,
): Promise<TestServer> {
  const root = dir ?? mkdtempSync(path.join(tmpdir(), 'lys-'));
  const socketPath = path.join(root, 'sock', 'api.sock');
  const server = await LanyardServer.start({
    trustDomain: TD,
    dataDir: root,
    bindAddress: '127.0.0.1',
    bindPort: 0,
    socketPath,
    ca: { keyManager: new MemoryKeyManager() },
    datastore: { databaseType: 'sqlite3', connectionString: path.join(root, 'datastore.sqlite3') },
    cachePollIntervalMs: 200,
    ...overrides,
  });
  const admin = connectAdmin(socketPath);
  return {
    server,
    dir: root,
    socketPath,
    admin,
    stop: async () => {
      admin.close();
      await server.stop(1000);
      if (dir === undefined) rmSync(root, { recursive: true, force: true });
    },
  };
}

/** PEM of the server's trust bundle roots (what an agent would have as `trust_bundle_path`). */
export async function bundlePem(ts: TestServer): Promise<Buffer> {
  const bundle = await rpc<{ x509_authorities: Array<{ asn1: Buffer }> }>((cb) =>
    ts.admin.bundle.GetBundle({}, cb),
  );
  return Buffer.from(bundle.x509_authorities.map((a) => encodePem('CERTIFICATE', a.asn1)).join(''));
}

/** Channel options + TLS credentials that authenticate the server as `spiffe://<td>/spire/server`. */
export function tlsCredentials(
  roots: Buffer,
  key?: KeyObject,
  certChainPem?: string,
): grpc.ChannelCredentials {
  const checkServerIdentity = (_host: string, cert: { subjectaltname?: string }): Error | undefined =>
    cert.subjectaltname === `URI:spiffe://${TD}/spire/server`
      ? undefined
      : new Error('unexpected server identity');
  const keyPem = key ? Buffer.from(key.export({ type: 'pkcs8', format: 'pem' }) as string) : null;
  const certPem = certChainPem ? Buffer.from(certChainPem) : null;
  return grpc.credentials.createSsl(roots, keyPem, certPem, { checkServerIdentity });
}

/** Clients on the TLS port, optionally presenting an X509-SVID. */
export function tlsClients(
  ts: TestServer,
  roots: Buffer,
  key?: KeyObject,
  certChainPem?: string,
): ServerApiClients {
  return connectServerApis(`127.0.0.1:${ts.server.port}`, tlsCredentials(roots, key, certChainPem), {
    'grpc.ssl_target_name_override': 'spire-server',
  });
}

/** An attested agent: its key, SVID chain (DER + PEM) and ID. */
export interface TestAgent {
  agentId: string;
  key: { publicKey: KeyObject; privateKey: KeyObject };
  chainDer: Buffer[];
  chainPem: string;
  serial: string;
  reattestable: boolean;
}

/** A fresh P-256 key pair and a CSR for it. */
export function keyAndCsr(uris: string[] = []): {
  key: { publicKey: KeyObject; privateKey: KeyObject };
  csr: Buffer;
} {
  const key = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { key, csr: makeCsr(key, { uris }) };
}

interface AttestResult {
  result?: {
    svid: { cert_chain: Buffer[]; id: { trust_domain: string; path: string } };
    reattestable: boolean;
  };
}

/** Runs the real AttestAgent stream with a join token; resolves with the agent or rejects with the status. */
export async function attestWithToken(ts: TestServer, roots: Buffer, token: string): Promise<TestAgent> {
  const { key, csr } = keyAndCsr();
  const clients = tlsClients(ts, roots);
  try {
    const response = await new Promise<AttestResult>((resolve, reject) => {
      const call = clients.agent.AttestAgent();
      call.on('data', (msg: AttestResult) => resolve(msg));
      call.on('error', reject);
      call.write({ params: { data: { type: 'join_token', payload: Buffer.from(token) }, params: { csr } } });
    });
    const result = response.result!;
    const chainDer = result.svid.cert_chain;
    return {
      agentId: `spiffe://${result.svid.id.trust_domain}${result.svid.id.path}`,
      key,
      chainDer,
      chainPem: chainDer.map((der) => encodePem('CERTIFICATE', der)).join(''),
      serial: BigInt(`0x${new X509Certificate(chainDer[0]).serialNumber}`).toString(10),
      reattestable: result.reattestable,
    };
  } finally {
    clients.close();
  }
}

/** Creates a join token over the admin socket. */
export async function createToken(ts: TestServer, extra: Record<string, unknown> = {}): Promise<string> {
  const token = await rpc<{ value: string }>((cb) =>
    ts.admin.agent.CreateJoinToken({ ttl: 600, ...extra }, cb),
  );
  return token.value;
}

/** Joins a token + attests; returns the agent and mTLS clients presenting its SVID. */
export async function newAgent(
  ts: TestServer,
): Promise<{ agent: TestAgent; clients: ServerApiClients; roots: Buffer }> {
  const roots = await bundlePem(ts);
  const agent = await attestWithToken(ts, roots, await createToken(ts));
  return { agent, roots, clients: tlsClients(ts, roots, agent.key.privateKey, agent.chainPem) };
}

/** Mints an X509-SVID for `spiffe://example.org<spiffePath>` over the admin socket: its key and PEM chain. */
export async function mintSvid(
  ts: TestServer,
  spiffePath: string,
): Promise<{ privateKey: KeyObject; chainPem: string }> {
  const { key, csr } = keyAndCsr([`spiffe://${TD}${spiffePath}`]);
  const minted = await rpc<{ svid: { cert_chain: Buffer[] } }>((cb) =>
    ts.admin.svid.MintX509SVID({ csr }, cb),
  );
  const chainPem = minted.svid.cert_chain.map((d) => encodePem('CERTIFICATE', d)).join('');
  return { privateKey: key.privateKey, chainPem };
}

/** TLS clients presenting a freshly minted X509-SVID (what an admin or downstream workload would hold). */
export async function svidClients(
  ts: TestServer,
  roots: Buffer,
  spiffePath: string,
): Promise<ServerApiClients> {
  const svid = await mintSvid(ts, spiffePath);
  return tlsClients(ts, roots, svid.privateKey, svid.chainPem);
}

/** Wire SPIFFEID for `spiffe://example.org<path>`. */
export function wid(p: string, td = TD): { trust_domain: string; path: string } {
  return { trust_domain: td, path: p };
}

/** A minimal valid wire entry. */
export function wireEntry(
  spiffePath: string,
  parentPath: string,
  selectors = [{ type: 'unix', value: 'uid:1000' }],
) {
  return { spiffe_id: wid(spiffePath), parent_id: wid(parentPath), selectors };
}

/**
 * Promise wrapper for tests: the response type is what the test asserts on (a structural subset of the
 * generated `__Output` type), so the callback accepts any value.
 */
export function rpc<T = unknown>(
  invoke: (callback: (err: grpc.ServiceError | null, value?: unknown) => void) => unknown,
): Promise<T> {
  return new Promise((resolve, reject) => {
    invoke((err, value) => (err ? reject(err) : resolve(value as T)));
  });
}

/** Resolves with the rejection's gRPC code and details. */
export async function rpcError(p: Promise<unknown>): Promise<{ code: number; details: string }> {
  try {
    await p;
  } catch (err) {
    const e = err as grpc.ServiceError;
    return { code: e.code, details: e.details };
  }
  throw new Error('expected the call to fail');
}
