/**
 * Security cases against a real `lanyard-server` (and real agents for eviction and banning): join token
 * replay and expiry, an agent SVID calling admin APIs, a client certificate from a foreign CA, and evicted or
 * banned agents losing access at their next sync.
 */
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { AgentUnderTest, recordSecret, waitFor, type ServerUnderTest } from '@lanyard/e2e';
import { loadSpireServerApis } from '@lanyard/proto';
import { TestCa, methodsOf, rawCall, statusName, type RawMethod } from '@lanyard/test-support';
import {
  attestWithJoinToken,
  serverBundlePem,
  serverTlsCredentials,
  shortTempDir,
  startServer,
  TLS_CHANNEL_OPTIONS,
} from './support/cluster';
import { recordSecurityCase } from './support/figures';

const dir = shortTempDir('lysec-');
let server: ServerUnderTest;
let roots: Buffer;

/** SPIRE's admin-only methods (default policy): an agent must never reach them. */
const ADMIN_ONLY: Record<string, string[]> = {
  entry: [
    'CountEntries',
    'ListEntries',
    'GetEntry',
    'BatchCreateEntry',
    'BatchUpdateEntry',
    'BatchDeleteEntry',
  ],
  agent: ['CountAgents', 'ListAgents', 'GetAgent', 'DeleteAgent', 'BanAgent', 'CreateJoinToken'],
  bundle: [
    'AppendBundle',
    'CountBundles',
    'ListFederatedBundles',
    'BatchCreateFederatedBundle',
    'BatchUpdateFederatedBundle',
    'BatchSetFederatedBundle',
    'BatchDeleteFederatedBundle',
  ],
  svid: ['MintX509SVID', 'MintJWTSVID'],
  trustdomain: [
    'ListFederationRelationships',
    'GetFederationRelationship',
    'BatchCreateFederationRelationship',
    'BatchUpdateFederationRelationship',
    'BatchDeleteFederationRelationship',
    'RefreshBundle',
  ],
  localauthority: [
    'GetJWTAuthorityState',
    'PrepareJWTAuthority',
    'GetX509AuthorityState',
    'PrepareX509Authority',
  ],
};

function adminOnlyMethods(): RawMethod[] {
  const spire = loadSpireServerApis().spire.api.server as unknown as Record<
    string,
    { v1: Record<string, { service: grpc.ServiceDefinition }> }
  >;
  return Object.entries(ADMIN_ONLY).flatMap(([service, names]) => {
    const loaded = Object.values(spire[service].v1)[0].service;
    return methodsOf(loaded).filter((m) => names.includes(m.path.slice(m.path.lastIndexOf('/') + 1)));
  });
}

async function attestError(token: string): Promise<grpc.ServiceError> {
  try {
    await attestWithJoinToken(server, roots, token);
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error('attestation succeeded');
}

beforeAll(async () => {
  server = await startServer(dir);
  roots = await serverBundlePem(server);
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

test('a join token attests once: replaying it is refused', async () => {
  const token = await server.joinToken();
  const agent = await attestWithJoinToken(server, roots, token);
  expect(agent.agentId).toBe(`spiffe://${server.trustDomain}/spire/agent/join_token/${token}`);
  const replay = await attestError(token);
  expect(statusName(replay.code)).toBe('INVALID_ARGUMENT');
  expect(replay.details).toMatch(/does not exist or has already been used/);
  recordSecurityCase(
    'join token replay',
    `second AttestAgent refused: ${statusName(replay.code)} "${replay.details}"`,
  );
});

test('an expired join token is refused', async () => {
  const out = await server.cliOk(['token', 'generate', '-ttl', '1']);
  const token = /Token: (\S+)/.exec(out)![1];
  recordSecret(token);
  const expiresAt = Date.now() + 1000;
  await waitFor('the token to expire', async () => (Date.now() > expiresAt + 1500 ? true : undefined));
  const expired = await attestError(token);
  expect(statusName(expired.code)).toBe('INVALID_ARGUMENT');
  expect(expired.details).toMatch(/join token expired/);
  // Consumed by the failed attempt, as in SPIRE: it cannot be retried either.
  expect((await attestError(token)).details).toMatch(/does not exist or has already been used/);
  recordSecurityCase(
    'join token expiry',
    `AttestAgent refused: ${statusName(expired.code)} "${expired.details}"`,
  );
});

test('an agent SVID calling admin APIs gets PermissionDenied (or finds them not served on TCP)', async () => {
  const agent = await attestWithJoinToken(server, roots, await server.joinToken());
  const client = new grpc.Client(
    `127.0.0.1:${server.port}`,
    serverTlsCredentials(roots, server.trustDomain, agent),
    TLS_CHANNEL_OPTIONS,
  );
  const codes = new Map<string, number>();
  try {
    for (const method of adminOnlyMethods()) {
      const outcome = await rawCall(client, method, Buffer.alloc(0), { deadlineMs: 15_000 });
      const name = statusName(outcome.code);
      codes.set(name, (codes.get(name) ?? 0) + 1);
      expect([method.path, name]).toEqual([
        method.path,
        expect.stringMatching(/^(PERMISSION_DENIED|UNIMPLEMENTED)$/),
      ]);
    }
  } finally {
    client.close();
  }
  expect(codes.get('PERMISSION_DENIED')).toBeGreaterThan(0);
  const summary = [...codes].map(([c, n]) => `${c} ${n}`).join(', ');
  recordSecurityCase('agent SVID on admin APIs', `${adminOnlyMethods().length} admin methods: ${summary}`);
});

test('a client certificate from a foreign CA is refused at TLS or with PermissionDenied', async () => {
  const foreign = TestCa.create({ trustDomain: server.trustDomain });
  const svid = foreign.issueX509Svid({
    spiffeId: `spiffe://${server.trustDomain}/spire/agent/join_token/forged`,
  });
  const client = new grpc.Client(
    `127.0.0.1:${server.port}`,
    serverTlsCredentials(roots, server.trustDomain, { privateKey: svid.privateKey, chainPem: svid.chainPem }),
    TLS_CHANNEL_OPTIONS,
  );
  const spire = loadSpireServerApis().spire.api.server;
  const targets = [
    ...methodsOf(spire.entry.v1.Entry.service).filter((m) => /GetAuthorizedEntries|ListEntries/.test(m.path)),
    ...methodsOf(spire.agent.v1.Agent.service).filter((m) => /RenewAgent/.test(m.path)),
    ...methodsOf(spire.svid.v1.SVID.service).filter((m) => /BatchNewX509SVID|NewJWTSVID/.test(m.path)),
  ];
  const seen: string[] = [];
  try {
    for (const method of targets) {
      const outcome = await rawCall(client, method, Buffer.alloc(0), { deadlineMs: 15_000 });
      seen.push(`${method.path.slice(method.path.lastIndexOf('/') + 1)} ${statusName(outcome.code)}`);
      expect([method.path, statusName(outcome.code)]).toEqual([
        method.path,
        expect.stringMatching(/^(UNAVAILABLE|PERMISSION_DENIED|UNAUTHENTICATED)$/),
      ]);
    }
  } finally {
    client.close();
  }
  recordSecurityCase('foreign-CA client certificate', seen.join(', '));
});

/** Starts a real agent with a fresh join token (sync every second); resolves once it is healthy. */
async function startAgent(name: string): Promise<{ agent: AgentUnderTest; agentId: string }> {
  const token = await server.joinToken();
  const agent = await AgentUnderTest.start({
    dir: path.join(dir, name),
    serverPort: server.port,
    trustBundlePath: await server.writeBundle(),
    joinToken: token,
    syncInterval: '1s',
  });
  return { agent, agentId: `spiffe://${server.trustDomain}/spire/agent/join_token/${token}` };
}

for (const action of ['evict', 'ban'] as const) {
  test(`an agent that is ${action === 'ban' ? 'banned' : 'evicted'} loses access at its next sync and stops serving`, async () => {
    const { agent, agentId } = await startAgent(action);
    try {
      expect((await agent.cli(['healthcheck'])).code).toBe(0);
      const started = Date.now();
      await server.cliOk(['agent', action, '-spiffeID', agentId]);
      await waitFor(`the ${action}ed agent to stop`, async () => (agent.running ? undefined : true), 60_000);
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      expect(agent.log).toMatch(action === 'ban' ? /banned/i : /no longer attested|evicted/i);
      expect((await agent.cli(['healthcheck'])).code).not.toBe(0);
      recordSecurityCase(
        `agent ${action}`,
        `next sync refused, agent stopped and its Workload API closed (${seconds} s after the command, sync every 1 s)`,
      );
    } finally {
      await agent.stop();
    }
  }, 180_000);
}
