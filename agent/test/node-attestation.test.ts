import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATA_FILES } from '../src/node';
import {
  LogCapture,
  agentConfig,
  agentDir,
  createToken,
  startAgent,
  startTestServer,
  TD,
  type TestServer,
} from './node-harness';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts.stop();
});

test('an agent attests with a join token and gets its agent SVID', async () => {
  const token = await createToken(ts.admin);
  const dir = agentDir();
  const log = new LogCapture();
  const agent = await startAgent(agentConfig(ts, dir, token), log);
  try {
    expect(agent.identity.svid?.spiffeId).toBe(`spiffe://${TD}/spire/agent/join_token/${token}`);
    expect(agent.identity.svid?.reattestable).toBe(false);
    expect(agent.cache.isReady()).toBe(true);
    expect(log.text).toContain('Node attestation was successful');
    expect(log.text).not.toContain(token);
  } finally {
    await agent.stop();
  }
});
