/**
 * Real server process + helpers to attest as an agent over the real TLS port: what the reliability cases use
 * to call the server as an admin (UDS), as an attested agent (mTLS) or unauthenticated (TLS).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createCsr } from '@lanyard/agent';
import { encodePem } from '@lanyard/base';
import { ServerUnderTest, type ServerOptions } from '@lanyard/e2e';
import { connectServerApis, type ServerApiClients } from '@lanyard/server';

/** An identity the server issued to an attested agent. */
export interface AgentIdentity {
  readonly agentId: string;
  readonly privateKey: crypto.KeyObject;
  readonly chainPem: string;
}

/** A short temp dir (Unix socket paths are limited to ~107 bytes), mode 0755 so other uids can traverse it. */
export function shortTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Starts a real `lanyard-server` in `<dir>/server`. */
export function startServer(dir: string, extra: Partial<ServerOptions> = {}): Promise<ServerUnderTest> {
  return ServerUnderTest.start({ dir: path.join(dir, 'server'), ...extra });
}

/** A raw grpc-js client on the admin socket (the caller is `local`, i.e. admin). */
export function adminRawClient(server: ServerUnderTest): grpc.Client {
  return new grpc.Client(`unix:${server.socketPath}`, grpc.credentials.createInsecure());
}

/** The server's trust bundle (PEM) through `bundle show`. */
export async function serverBundlePem(server: ServerUnderTest): Promise<Buffer> {
  return Buffer.from(await server.cliOk(['bundle', 'show', '-format', 'pem']));
}

/** TLS credentials that authenticate the server as `spiffe://<td>/spire/server`, optionally with a client cert. */
export function serverTlsCredentials(
  roots: Buffer,
  trustDomain: string,
  client?: { privateKey: crypto.KeyObject; chainPem: string },
): grpc.ChannelCredentials {
  const expected = `URI:spiffe://${trustDomain}/spire/server`;
  const checkServerIdentity = (_host: string, cert: { subjectaltname?: string }): Error | undefined =>
    cert.subjectaltname === expected ? undefined : new Error('unexpected server identity');
  const keyPem = client
    ? Buffer.from(client.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
    : null;
  return grpc.credentials.createSsl(roots, keyPem, client ? Buffer.from(client.chainPem) : null, {
    checkServerIdentity,
  });
}

/** Channel options every TLS client of these cases uses (the server cert names no DNS host). */
export const TLS_CHANNEL_OPTIONS = { 'grpc.ssl_target_name_override': 'spire-server' };

/** Typed clients on the server's TLS port. */
export function tlsApiClients(
  server: ServerUnderTest,
  roots: Buffer,
  client?: { privateKey: crypto.KeyObject; chainPem: string },
): ServerApiClients {
  return connectServerApis(
    `127.0.0.1:${server.port}`,
    serverTlsCredentials(roots, server.trustDomain, client),
    TLS_CHANNEL_OPTIONS,
  );
}

interface AttestResponse {
  result?: { svid: { cert_chain: Buffer[]; id: { trust_domain: string; path: string } } };
}

/** Runs the real AttestAgent stream with a join token; resolves with the issued identity or rejects. */
export async function attestWithJoinToken(
  server: ServerUnderTest,
  roots: Buffer,
  token: string,
): Promise<AgentIdentity> {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const clients = tlsApiClients(server, roots);
  try {
    const response = await new Promise<AttestResponse>((resolve, reject) => {
      const call = clients.agent.AttestAgent();
      call.on('data', (msg: AttestResponse) => resolve(msg));
      call.on('error', reject);
      call.write({
        params: {
          data: { type: 'join_token', payload: Buffer.from(token) },
          params: { csr: createCsr(privateKey, publicKey) },
        },
      });
    });
    const svid = response.result!.svid;
    return {
      agentId: `spiffe://${svid.id.trust_domain}${svid.id.path}`,
      privateKey,
      chainPem: svid.cert_chain.map((der) => encodePem('CERTIFICATE', der)).join(''),
    };
  } finally {
    clients.close();
  }
}

/** Reads the resident set size (bytes) of a process from `/proc/<pid>/status`. */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]) * 1024;
}
