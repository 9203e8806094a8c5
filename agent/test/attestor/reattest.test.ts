/**
 * A re-attestable node attestor with challenge/response (a test plugin on both halves): the agent answers the
 * server's challenge, re-attests at half-life instead of renewing, and re-attests after an eviction.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { NodeAttestorAgent, NodeAttestorServerPlugin } from '@lanyard/attestor-core';
import { silentLogger } from '@lanyard/attestor-core';
import { unary } from '@lanyard/base/grpc';
import { PermissionDeniedError } from '@lanyard/base';
import { IdentityCache } from '../../src/manager/cache';
import { AgentIdentity, AgentStorage, ServerConnection, SyncLoop } from '../../src';
import { LogCapture, TD, agentDir, eventually, startTestServer, wireId, type TestServer } from '../harness';

jest.setTimeout(60_000);

const NODE_SECRET = Buffer.from('node-secret');

/** Server half: sends a nonce, expects HMAC(secret, nonce); reattestable. */
const serverPlugin: NodeAttestorServerPlugin = {
  name: 'test_hmac',
  create: async () => ({
    name: 'test_hmac',
    attest: async (payload, challenge) => {
      const nonce = crypto.randomBytes(16);
      const answer = await challenge(nonce);
      const expected = crypto.createHmac('sha256', NODE_SECRET).update(nonce).digest();
      if (answer.length !== expected.length || !crypto.timingSafeEqual(answer, expected))
        throw new PermissionDeniedError('bad challenge response');
      return {
        agentId: `spiffe://${TD}/spire/agent/test_hmac/${payload.toString()}`,
        selectors: [],
        canReattest: true,
      };
    },
  }),
};

/** Agent half, counting attestations. */
function agentAttestor(counter: { n: number }): NodeAttestorAgent {
  return {
    name: 'test_hmac',
    payload: async () => {
      counter.n++;
      return Buffer.from('node-1');
    },
    respondToChallenge: async (nonce) => crypto.createHmac('sha256', NODE_SECRET).update(nonce).digest(),
  };
}

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer({ agentTtlSeconds: 20, extraNodeAttestors: [serverPlugin] });
});
afterAll(async () => {
  await ts.stop();
});

function build(counter: { n: number }, log: LogCapture) {
  const dir = agentDir();
  const connection = new ServerConnection('127.0.0.1', ts.port, TD);
  const storage = new AgentStorage(path.join(dir, 'data'), TD, true, log.logger);
  const identity = new AgentIdentity({
    connection,
    storage,
    trustDomain: TD,
    createAttestor: async () => agentAttestor(counter),
    loadBootstrapRoots: async () => [new crypto.X509Certificate(fs.readFileSync(ts.bundlePath)).raw],
    logger: log.logger,
  });
  const cache = new IdentityCache({ trustDomain: TD });
  const fatal: Error[] = [];
  const loop = new SyncLoop({
    cache,
    connection,
    identity,
    intervalMs: 500,
    workloadKeyType: 'ec-p256',
    logger: log.logger,
    onFatal: (err) => fatal.push(err),
  });
  return { connection, identity, cache, loop, fatal };
}

test('challenge/response attestation, re-attestation at half-life instead of renewal', async () => {
  const counter = { n: 0 };
  const log = new LogCapture();
  const { connection, identity, cache, loop } = build(counter, log);
  try {
    const svid = await identity.initialize();
    expect(svid.spiffeId).toBe(`spiffe://${TD}/spire/agent/test_hmac/node-1`);
    expect(svid.reattestable).toBe(true);
    loop.start();
    await eventually('a re-attestation', () => (counter.n >= 2 ? true : undefined), 30_000);
    expect(log.text).toContain('Agent SVID is due for rotation; re-attesting');
    expect(log.text).not.toContain('Renewed agent SVID');
    await eventually('a sync with the new SVID', () => (cache.isReady() ? true : undefined));
  } finally {
    await loop.stop();
    connection.close();
  }
});

test('an evicted re-attestable agent attests again and keeps syncing', async () => {
  const counter = { n: 0 };
  const log = new LogCapture();
  const { connection, identity, loop, fatal } = build(counter, log);
  try {
    const svid = await identity.initialize();
    await loop.sync();
    await unary((opts, cb) => ts.admin.agent.DeleteAgent({ id: wireId(svid.spiffeId) }, opts, cb));
    loop.start();
    await eventually('re-attestation after eviction', () =>
      log.text.includes('Agent was evicted; attempting to re-attest') && counter.n >= 2 ? true : undefined,
    );
    const before = loop.lastSuccess?.getTime() ?? 0;
    await eventually('a later successful sync', () =>
      (loop.lastSuccess?.getTime() ?? 0) > before ? true : undefined,
    );
    expect(fatal).toEqual([]);
  } finally {
    await loop.stop();
    connection.close();
  }
});

test('a wrong challenge response is refused by the server', async () => {
  const log = new LogCapture();
  const { connection } = build({ n: 0 }, log);
  const wrong = new AgentIdentity({
    connection,
    storage: new AgentStorage(agentDir(), TD, false, silentLogger),
    trustDomain: TD,
    createAttestor: async () => ({
      ...agentAttestor({ n: 0 }),
      respondToChallenge: async () => Buffer.from('nope'),
    }),
    loadBootstrapRoots: async () => [new crypto.X509Certificate(fs.readFileSync(ts.bundlePath)).raw],
    logger: log.logger,
  });
  try {
    await expect(wrong.initialize()).rejects.toThrow(
      /node attestation failed: rpc error: code = PermissionDenied/,
    );
  } finally {
    connection.close();
  }
});
