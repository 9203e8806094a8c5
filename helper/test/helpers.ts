/**
 * Test plumbing for the helper: an in-memory CLI I/O, a real Workload API test server with one identity, and
 * loopback HTTP servers that record what they received and answer as the test says.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import type { CliIo } from '@lanyard/common';
import { TestCa, WorkloadApiTestServer, type TestX509Svid } from '@lanyard/test-support';
import { runHelper } from '../src';

/** The SPIFFE ID the test workload gets. */
export const WORKLOAD_ID = 'spiffe://example.org/ns/pay/sa/api';

/** A Workload API with one X.509-SVID and one JWT identity, plus a temp dir. */
export interface TestWorkload {
  readonly ca: TestCa;
  readonly server: WorkloadApiTestServer;
  readonly svid: TestX509Svid;
  readonly dir: string;
  close(): Promise<void>;
}

/** Starts the Workload API test server serving {@link WORKLOAD_ID}. */
export async function startWorkload(options: { jwtTtlSeconds?: number } = {}): Promise<TestWorkload> {
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const key = ca.createJwtKey({ kid: 'k1', keyType: 'rsa-2048' });
  const svid = ca.issueX509Svid({ spiffeId: WORKLOAD_ID });
  const server = await WorkloadApiTestServer.start();
  server.setX509Context({ svids: [svid] });
  server.setJwtIdentities([{ spiffeId: WORKLOAD_ID, key, ttlSeconds: options.jwtTtlSeconds ?? 300 }]);
  server.setJwtBundles({ 'spiffe://example.org': ca.jwks() });
  const dir = mkdtempSync(path.join(tmpdir(), 'helper-test-'));
  return {
    ca,
    server,
    svid,
    dir,
    close: async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** What a CLI run printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `lanyard-helper` in-process with `env`. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const io: CliIo = { stdout, stderr, env, stopSignal: () => new Promise(() => undefined) };
  const code = await runHelper(argv, io);
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

/** One request a {@link LoopbackServer} received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** The answer a loopback server gives. */
export interface LoopbackAnswer {
  readonly status: number;
  readonly body: string;
  readonly contentType?: string;
}

/** A loopback HTTP server whose answers come from `answer`; it records every request. */
export interface LoopbackServer {
  readonly url: string;
  readonly requests: ReceivedRequest[];
  close(): Promise<void>;
}

/** Starts a {@link LoopbackServer} on 127.0.0.1. */
export async function startLoopback(
  answer: (request: ReceivedRequest) => LoopbackAnswer,
): Promise<LoopbackServer> {
  const requests: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString(),
      };
      requests.push(received);
      const reply = answer(received);
      res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'text/xml' });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Decodes the payload of a compact JWT (no verification: the test checks what was sent). */
export function jwtPayload(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
}

/** Polls `condition` until it holds (bounded: 30 s). */
export async function waitFor(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
