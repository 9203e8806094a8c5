/**
 * Entry `jwt_svid_include_jti` end to end: a real server and agent; a workload's JWT-SVID for the flagged entry
 * carries a `jti`, one for an entry without the flag does not.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { JWTSVIDResponse__Output } from '@lanyard/proto';
import type { Agent } from '../../src/agent';
import {
  LogCapture,
  TD,
  agentConfig,
  agentDir,
  createEntry,
  createToken,
  eventually,
  startAgent,
  startTestServer,
  type TestServer,
} from '../harness';
import { unary, workloadClient } from '../workload-fixtures';

const uid = process.getuid!();
let ts: TestServer;
let agent: Agent;
let dir: string;
let client: ReturnType<typeof workloadClient>;

beforeAll(async () => {
  ts = await startTestServer();
  dir = agentDir();
  agent = await startAgent(agentConfig(ts, dir, await createToken(ts.admin)), new LogCapture('info'));
  const parentId = agent.identity.svid?.spiffeId ?? '';
  const selectors = [`unix:uid:${uid}`];
  await createEntry(ts.admin, {
    parentId,
    spiffeId: `spiffe://${TD}/jti/on`,
    selectors,
    jwtSvidIncludeJti: true,
  });
  await createEntry(ts.admin, { parentId, spiffeId: `spiffe://${TD}/jti/off`, selectors });
  await eventually(
    'both entries in the agent',
    () => agent.cache.match([{ type: 'unix', value: `uid:${uid}` }]).entries.length === 2 || undefined,
  );
  client = workloadClient(path.join(dir, 'public', 'api.sock'));
});

afterAll(async () => {
  client?.close();
  await agent?.stop();
  await ts?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

function claimsOf(token: string): { sub?: string; jti?: string } {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as {
    sub?: string;
    jti?: string;
  };
}

test('FetchJWTSVID: the flagged entry gets a jti, the other does not', async () => {
  const fetch = async (spiffe_id: string) =>
    (
      await unary<object, JWTSVIDResponse__Output>(client.FetchJWTSVID.bind(client), {
        audience: ['db'],
        spiffe_id,
      })
    ).svids.map((s) => claimsOf(s.svid));
  const [on] = await fetch(`spiffe://${TD}/jti/on`);
  const [off] = await fetch(`spiffe://${TD}/jti/off`);
  expect(on.sub).toBe(`spiffe://${TD}/jti/on`);
  expect(on.jti).toMatch(/^[A-Za-z0-9_-]{16,}$/);
  expect(off.sub).toBe(`spiffe://${TD}/jti/off`);
  expect(off.jti).toBeUndefined();
});
