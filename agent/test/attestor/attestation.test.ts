import * as fs from 'node:fs';
import * as path from 'node:path';
import { DATA_FILES } from '../../src';
import { svidPrivateKey } from '../../src/manager/cache';
import { parseAgentConfig } from '../../src/config';
import { AGENT_VERSION } from '../../src/manager/post-status';
import {
  LogCapture,
  agentConfig,
  agentDir,
  agentHcl,
  createEntry,
  createToken,
  eventually,
  startAgent,
  startTestServer,
  TD,
  type TestServer,
} from '../harness';

let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
});
afterAll(async () => {
  await ts.stop();
});

test('an agent attests with a join token, stores its state and never logs the token', async () => {
  const token = await createToken(ts.admin);
  const dir = agentDir();
  const log = new LogCapture();
  const agent = await startAgent(agentConfig(ts, dir, token), log);
  try {
    expect(agent.identity.svid?.spiffeId).toBe(`spiffe://${TD}/spire/agent/join_token/${token}`);
    expect(agent.identity.svid?.reattestable).toBe(false);
    expect(agent.cache.isReady()).toBe(true);
    expect(log.text).toContain('Node attestation was successful');
    expect(log.text).toContain('join_token/<redacted>');
    expect(log.text).not.toContain(token);
    const data = path.join(dir, 'data');
    expect(fs.statSync(path.join(data, DATA_FILES.key)).mode & 0o777).toBe(0o600);
    const state = JSON.parse(fs.readFileSync(path.join(data, DATA_FILES.state), 'utf8'));
    expect(state).toMatchObject({ version: 1, trust_domain: TD, reattestable: false });
    expect(fs.readdirSync(data).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // PostStatus before the first sync, as SPIRE's agent: the server stores the version on the attested node.
    const stored = await new Promise<{ agent_version: string }>((resolve, reject) =>
      ts.admin.agent.GetAgent(
        { id: { trust_domain: TD, path: `/spire/agent/join_token/${token}` } },
        (err, res) => (err ? reject(err) : resolve(res as { agent_version: string })),
      ),
    );
    expect(stored.agent_version).toBe(AGENT_VERSION);
  } finally {
    await agent.stop();
  }
});

test('a join token is single use: a second agent with the same token is refused', async () => {
  const token = await createToken(ts.admin);
  const first = await startAgent(agentConfig(ts, agentDir(), token), new LogCapture());
  await first.stop();
  await expect(startAgent(agentConfig(ts, agentDir(), token), new LogCapture())).rejects.toThrow(
    /join token does not exist or has already been used/,
  );
});

test('an unknown join token is refused with the server reason', async () => {
  await expect(
    startAgent(agentConfig(ts, agentDir(), 'c2a63e0c-5d5e-4e4e-9d3e-000000000000'), new LogCapture()),
  ).rejects.toThrow(/node attestation failed: rpc error: code = InvalidArgument/);
});

test('a restart reuses the stored SVID without attesting again', async () => {
  const token = await createToken(ts.admin);
  const dir = agentDir();
  const first = await startAgent(agentConfig(ts, dir, token), new LogCapture());
  const id = first.identity.svid?.spiffeId;
  const serial = first.identity.svid?.certChainDer[0].toString('hex');
  await first.stop();
  const log = new LogCapture();
  // No token on the second start: a new attestation would be impossible.
  const second = await startAgent(agentConfig(ts, dir, undefined), log);
  try {
    expect(second.identity.svid?.spiffeId).toBe(id);
    expect(second.identity.svid?.certChainDer[0].toString('hex')).toBe(serial);
    expect(log.text).toContain('Reusing stored agent SVID');
    expect(log.text).not.toContain('Node attestation was successful');
    expect(second.cache.isReady()).toBe(true);
  } finally {
    await second.stop();
  }
});

test('a corrupted data_dir file is reported and the agent attests again with a fresh token', async () => {
  const dir = agentDir();
  const first = await startAgent(agentConfig(ts, dir, await createToken(ts.admin)), new LogCapture());
  await first.stop();
  fs.writeFileSync(path.join(dir, 'data', DATA_FILES.svid), Buffer.from('not a certificate'));
  const fresh = await createToken(ts.admin);
  const log = new LogCapture();
  const second = await startAgent(agentConfig(ts, dir, fresh), log);
  try {
    expect(log.text).toMatch(/level=warning msg="Stored agent SVID is unusable; attesting again"/);
    expect(log.text).toContain('agent_svid.der does not hold DER certificates');
    expect(second.identity.svid?.spiffeId).toBe(`spiffe://${TD}/spire/agent/join_token/${fresh}`);
  } finally {
    await second.stop();
  }
});

test('with KeyManager "memory" the key is not persisted, so a restart must attest again', async () => {
  const dir = agentDir();
  const agent = await startAgent(
    agentConfig(ts, dir, await createToken(ts.admin), { keyManager: 'memory' }),
    new LogCapture(),
  );
  await agent.stop();
  expect(fs.existsSync(path.join(dir, 'data', DATA_FILES.key))).toBe(false);
  expect(fs.existsSync(path.join(dir, 'data', DATA_FILES.bundle))).toBe(true);
});

test('KeyManager "disk" keeps the agent key in its directory (0700, key 0600) and a restart reuses it', async () => {
  const dir = agentDir();
  const keys = path.join(dir, 'keys');
  const hcl = agentHcl(ts, dir).replace(
    'KeyManager "disk" { plugin_data {} }',
    `KeyManager "disk" { plugin_data { directory = "${keys}" } }`,
  );
  const config = (token?: string) => parseAgentConfig(hcl, { flags: { joinToken: token } }).config;
  const first = await startAgent(config(await createToken(ts.admin)), new LogCapture());
  const id = first.identity.svid?.spiffeId;
  await first.stop();
  expect(fs.existsSync(path.join(dir, 'data', DATA_FILES.key))).toBe(false);
  expect(fs.statSync(path.join(keys, DATA_FILES.key)).mode & 0o777).toBe(0o600);
  expect(fs.statSync(keys).mode & 0o777).toBe(0o700);
  const log = new LogCapture();
  const second = await startAgent(config(undefined), log);
  try {
    expect(second.identity.svid?.spiffeId).toBe(id);
    expect(log.text).toContain('Reusing stored agent SVID');
  } finally {
    await second.stop();
  }
});

test('insecure_bootstrap attests without a bundle, then trusts and stores the server bundle', async () => {
  const dir = agentDir();
  const token = await createToken(ts.admin);
  const hcl = agentConfig(ts, dir, token);
  const config = { ...hcl, agent: { ...hcl.agent, trustBootstrap: { kind: 'insecure' as const } } };
  const log = new LogCapture();
  const agent = await startAgent(config, log);
  try {
    expect(log.text).toContain('insecure_bootstrap');
    const stored = fs.readFileSync(path.join(dir, 'data', DATA_FILES.bundle));
    expect(stored.equals(agent.cache.getBundle()!.toX509Bundle().marshalDer())).toBe(true);
  } finally {
    await agent.stop();
  }
});

test('a bootstrap bundle of another CA makes attestation fail (server not trusted)', async () => {
  const other = await startTestServer();
  try {
    const dir = agentDir();
    const config = agentConfig(ts, dir, await createToken(ts.admin));
    const wrong = {
      ...config,
      agent: {
        ...config.agent,
        trustBootstrap: { kind: 'path' as const, path: other.bundlePath, format: 'pem' as const },
      },
    };
    await expect(startAgent(wrong, new LogCapture())).rejects.toThrow(/node attestation failed/);
  } finally {
    await other.stop();
  }
});

test('workload_x509_svid_key_type decides the workload key type', async () => {
  const agent = await startAgent(
    agentConfig(ts, agentDir(), await createToken(ts.admin), {
      extra: 'workload_x509_svid_key_type = "ec-p384"',
    }),
    new LogCapture(),
  );
  try {
    const id = await createEntry(ts.admin, {
      parentId: agent.identity.svid!.spiffeId,
      spiffeId: `spiffe://${TD}/p384`,
      selectors: ['unix:uid:0'],
    });
    const svid = await eventually('the SVID', () => agent.cache.getSvid(id));
    expect(svidPrivateKey(svid).asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
  } finally {
    await agent.stop();
  }
});
