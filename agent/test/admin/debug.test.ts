/**
 * The admin socket of a real agent (attested against a real server): socket and directory modes, and
 * `lanyard-agent debug getinfo` over it in pretty and JSON output.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../../src/cli';
import type { Agent } from '../../src/agent';
import {
  TD,
  LogCapture,
  agentConfig,
  agentDir,
  createEntry,
  createToken,
  eventually,
  startAgent,
  startTestServer,
  type TestServer,
} from '../harness';
import { testIo } from './cli-io';

jest.setTimeout(60_000);

let ts: TestServer;
let agent: Agent;
let dir: string;
let adminSocket: string;

beforeAll(async () => {
  ts = await startTestServer();
  dir = agentDir();
  adminSocket = path.join(dir, 'private', 'admin.sock');
  const token = await createToken(ts.admin);
  const config = agentConfig(ts, dir, token, { extra: `  admin_socket_path = "${adminSocket}"` });
  agent = await startAgent(config, new LogCapture());
  await createEntry(ts.admin, {
    parentId: `spiffe://${TD}/spire/agent/join_token/${token}`,
    spiffeId: `spiffe://${TD}/debug/app`,
    selectors: ['unix:uid:4242'],
  });
  await eventually('an SVID for the entry', () => (agent.cache.svidCount > 0 ? true : undefined));
});

afterAll(async () => {
  await agent?.stop();
  await ts.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the admin socket is 0770 in a 0755 directory', () => {
  expect(fs.statSync(adminSocket).mode & 0o777).toBe(0o770);
  expect(fs.statSync(path.dirname(adminSocket)).mode & 0o777).toBe(0o755);
  expect(agent.adminApi?.socketPath).toBe(adminSocket);
});

function expectedChain(): X509Certificate[] {
  const svid = agent.identity.svid!;
  const leaf = new X509Certificate(svid.certChainDer[0]);
  const root = agent.cache
    .getBundle()!
    .x509Authorities.find((ca) => leaf.checkIssued(ca) && leaf.verify(ca.publicKey));
  expect(root).toBeDefined();
  return [leaf, root!];
}

test('debug getinfo prints SPIRE pretty output with the verified agent SVID chain', async () => {
  const io = testIo();
  expect(await runCli(['debug', 'getinfo', '-socketPath', adminSocket], io)).toBe(0);
  const [leaf, root] = expectedChain();
  const iso = (cert: X509Certificate): string =>
    new Date(cert.validTo).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const out = io.out();
  expect(out).toMatch(/^Agent Debug Info:\n {2}Uptime: {26}[\dhms]+\n/);
  expect(out).toMatch(/\n {2}Last Sync Success: {15}\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n/);
  expect(out).toContain(`  Cached X.509 SVIDs:              ${agent.cache.svidCount}\n`);
  expect(out).toContain('  Cached SVID Store X.509 SVIDs:   0\n');
  expect(out).toContain(
    `  SVID Chain:\n    [0] SPIFFE ID:  ${agent.identity.svid!.spiffeId}\n` +
      `        Subject:    ${leaf.subject.split('\n').reverse().join(',')}\n` +
      `        Expires At: ${iso(leaf)}\n` +
      `    [1] SPIFFE ID:  spiffe://${TD}\n` +
      `        Subject:    ${root.subject.split('\n').reverse().join(',')}\n` +
      `        Expires At: ${iso(root)}\n`,
  );
  expect(io.err()).toBe('');
});

test('debug getinfo -output json prints protojson (proto names, int64 as strings)', async () => {
  const io = testIo();
  expect(await runCli(['debug', 'getinfo', '-socketPath', adminSocket, '-output', 'json'], io)).toBe(0);
  const doc = JSON.parse(io.out()) as Record<string, unknown>;
  const [leaf] = expectedChain();
  const agentPath = new URL(agent.identity.svid!.spiffeId).pathname;
  expect(Object.keys(doc)).toEqual([
    'cached_jwt_svids_count',
    'cached_svidstore_x509_svids_count',
    'cached_x509_svids_count',
    'last_sync_success',
    'svid_chain',
    'svids_count',
    'uptime',
  ]);
  expect(doc.cached_x509_svids_count).toBe(agent.cache.svidCount);
  expect(doc.svids_count).toBe(agent.cache.svidCount);
  expect(doc.last_sync_success).toBe(String(Math.floor(agent.syncLoop.lastSuccess!.getTime() / 1000)));
  const chain = doc.svid_chain as Array<Record<string, unknown>>;
  expect(chain).toHaveLength(2);
  expect(chain[0]).toEqual({
    expires_at: String(Math.floor(Date.parse(leaf.validTo) / 1000)),
    id: { path: agentPath, trust_domain: TD },
    subject: leaf.subject.split('\n').reverse().join(','),
  });
  expect(chain[1].id).toEqual({ path: '', trust_domain: TD });
});

test('debug getinfo against a missing socket prints the RPC error and exits 1', async () => {
  const io = testIo();
  const missing = path.join(dir, 'nowhere', 'admin.sock');
  expect(await runCli(['debug', 'getinfo', '-socketPath', missing], io)).toBe(1);
  expect(io.err()).toMatch(/^Error: rpc error: code = Unavailable desc = /);
  expect(io.out()).toBe('');
});
