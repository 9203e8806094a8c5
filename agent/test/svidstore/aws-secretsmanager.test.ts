/**
 * `SVIDStore "aws_secretsmanager"` end to end: a real server and agent, the official SDK signing with SigV4
 * against a loopback Secrets Manager that verifies every signature, and STS AssumeRole on the fake AWS API.
 */
import { parseSelector } from '@lanyard/attestor-core';
import { unary } from '@lanyard/base/grpc';
import { FakeAwsApi, FakeSecretsManager } from '@lanyard/test-support';
import type { Agent } from '../../src/agent';
import { awsSecretsManager } from '../../src/svidstore/aws-secretsmanager';
import {
  LogCapture,
  TD,
  agentConfig,
  agentDir,
  createEntry,
  createToken,
  deleteEntry,
  eventually,
  startAgent,
  startTestServer,
  wireId,
  type TestServer,
} from '../harness';
import { checkStoredSecret } from './stored-secret';

jest.setTimeout(90_000);

const BASE = { accessKeyId: 'AKIAFAKESVIDSTORE01', secretAccessKey: 'fake/secret/key/for+svidstore' };
const ROLE = 'arn:aws:iam::123456789012:role/svid-writer';

let ts: TestServer;
let aws: FakeAwsApi;
let sm: FakeSecretsManager;
let agent: Agent;
let log: LogCapture;
let agentId: string;

function storePlugin(extra = ''): string {
  return `SVIDStore "aws_secretsmanager" {
    plugin_data {
      access_key_id = "${BASE.accessKeyId}"
      secret_access_key = "${BASE.secretAccessKey}"
      region = "us-east-1"
      secretsmanager_endpoint = "${sm.url}"
      ${extra}
    }
  }`;
}

beforeAll(async () => {
  aws = new FakeAwsApi(BASE);
  aws.assumableRoles.add(ROLE);
  await aws.start();
  sm = new FakeSecretsManager((id) => aws.credentialsFor(id));
  await sm.start();
  ts = await startTestServer({ x509SvidTtlSeconds: 3600 });
  log = new LogCapture();
  const config = agentConfig(ts, agentDir(), await createToken(ts.admin), { plugins: storePlugin() });
  agent = await startAgent(config, log);
  agentId = agent.identity.svid?.spiffeId ?? '';
});
afterAll(async () => {
  await agent?.stop();
  await ts?.stop();
  await sm?.stop();
  await aws?.stop();
});

test('a -storeSVID entry is pushed to Secrets Manager, tagged, signed with SigV4, and not served to workloads', async () => {
  const spiffeId = `spiffe://${TD}/stored/foo`;
  const id = await createEntry(ts.admin, {
    parentId: agentId,
    spiffeId,
    selectors: ['aws_secretsmanager:secretname:foo'],
    storeSvid: true,
  });
  const payload = await eventually('the secret', () => sm.currentBinary('foo'));
  checkStoredSecret(payload, spiffeId);
  const secret = sm.secrets.get('foo')!;
  expect(secret.tags).toEqual([{ Key: 'spire-svid', Value: 'true' }]);
  const create = sm.calls.find((c) => c.action === 'CreateSecret' && c.input.Name === 'foo');
  expect(create?.caller).toEqual({
    accessKeyId: BASE.accessKeyId,
    service: 'secretsmanager',
    region: 'us-east-1',
  });
  expect(agent.cache.getSvid(id)).toBeUndefined();
  expect(agent.cache.match([parseSelector('aws_secretsmanager:secretname:foo')]).entries).toEqual([]);
  expect(agent.syncLoop.storeCache.size).toBeGreaterThanOrEqual(1);
  expect(log.text).not.toContain(BASE.secretAccessKey);
});

test('a rotated SVID replaces the secret value; deleting the entry schedules the secret for deletion', async () => {
  const spiffeId = `spiffe://${TD}/stored/rotating`;
  const id = await createEntry(ts.admin, {
    parentId: agentId,
    spiffeId,
    selectors: ['aws_secretsmanager:secretname:rotating', 'aws_secretsmanager:kmskeyid:alias/svids'],
    storeSvid: true,
    x509SvidTtl: 20,
  });
  const first = checkStoredSecret(
    await eventually('the secret', () => sm.currentBinary('rotating')),
    spiffeId,
  );
  expect(sm.secrets.get('rotating')?.kmsKeyId).toBe('alias/svids');
  const second = await eventually(
    'the rotated secret',
    () => {
      const payload = sm.currentBinary('rotating');
      const checked = payload && checkStoredSecret(payload, spiffeId);
      return checked && checked.leaf.serialNumber !== first.leaf.serialNumber ? checked : undefined;
    },
    60_000,
  );
  expect(new Date(second.leaf.validTo).getTime()).toBeGreaterThan(new Date(first.leaf.validTo).getTime());
  expect(
    sm.calls.some(
      (c) => c.action === 'PutSecretValue' && String(c.input.SecretId).includes(':secret:rotating-'),
    ),
  ).toBe(true);
  await deleteEntry(ts.admin, id);
  const deleted = await eventually('the deletion', () => sm.secrets.get('rotating')?.deletedDate);
  expect(deleted.getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
  const del = sm.calls.find((c) => c.action === 'DeleteSecret');
  expect(del?.input.RecoveryWindowInDays).toBe(7);
});

test('an entry for a secret scheduled for deletion restores it and puts the new value', async () => {
  const spiffeId = `spiffe://${TD}/stored/again`;
  const first = await createEntry(ts.admin, {
    parentId: agentId,
    spiffeId,
    selectors: ['aws_secretsmanager:secretname:again'],
    storeSvid: true,
  });
  await eventually('the secret', () => sm.currentBinary('again'));
  await deleteEntry(ts.admin, first);
  await eventually('the deletion', () => sm.secrets.get('again')?.deletedDate);
  await createEntry(ts.admin, {
    parentId: agentId,
    spiffeId,
    selectors: ['aws_secretsmanager:secretname:again'],
    storeSvid: true,
  });
  await eventually('the restore', () =>
    sm.secrets.get('again')?.deletedDate === undefined ? true : undefined,
  );
  expect(sm.calls.some((c) => c.action === 'RestoreSecret')).toBe(true);
  await eventually('the new value', () =>
    sm.secrets.get('again')!.versions.length === 2 ? true : undefined,
  );
});

test('a secret that Lanyard/SPIRE did not create is never overwritten, and the refusal is logged', async () => {
  sm.seed('not-ours', 'database password');
  await createEntry(ts.admin, {
    parentId: agentId,
    spiffeId: `spiffe://${TD}/stored/not-ours`,
    selectors: ['aws_secretsmanager:secretname:not-ours'],
    storeSvid: true,
  });
  await eventually('the refusal', () =>
    /Failed to put X509-SVID.*secret does not contain the 'spire-svid' tag/.test(log.text) ? true : undefined,
  );
  const secret = sm.secrets.get('not-ours')!;
  expect(secret.versions.map((v) => v.text)).toEqual(['database password']);
  expect(sm.calls.some((c) => c.action === 'PutSecretValue' && c.input.SecretId === secret.arn)).toBe(false);
});

test('entries whose selectors mix types are refused at create with InvalidArgument', async () => {
  const res = await unary<{ results: Array<{ status: { code: number; message: string } | null }> }>(
    (opts, cb) =>
      ts.admin.entry.BatchCreateEntry(
        {
          entries: [
            {
              parent_id: wireId(agentId),
              spiffe_id: wireId(`spiffe://${TD}/stored/mixed`),
              selectors: [
                { type: 'aws_secretsmanager', value: 'secretname:mixed' },
                { type: 'unix', value: 'uid:0' },
              ],
              store_svid: true,
            },
          ],
        },
        opts,
        cb,
      ),
  );
  expect(res.results[0].status?.code).toBe(3);
  expect(res.results[0].status?.message).toMatch(
    /selector types must be the same when store SVID is enabled/,
  );
});

test('with assume_role_arn the secrets are written with keys STS issued for the role', async () => {
  const log2 = new LogCapture();
  const config = agentConfig(ts, agentDir(), await createToken(ts.admin), {
    plugins: storePlugin(`assume_role_arn = "${ROLE}"\n      sts_endpoint = "${aws.url}"`),
  });
  const agent2 = await startAgent(config, log2);
  try {
    await createEntry(ts.admin, {
      parentId: agent2.identity.svid?.spiffeId ?? '',
      spiffeId: `spiffe://${TD}/stored/role`,
      selectors: ['aws_secretsmanager:secretname:role'],
      storeSvid: true,
    });
    await eventually('the secret', () => sm.currentBinary('role'));
    const create = sm.calls.find((c) => c.action === 'CreateSecret' && c.input.Name === 'role')!;
    expect(aws.roleOf(create.caller.accessKeyId)).toBe(ROLE);
    expect(
      aws.calls.some((c) => c.action === 'AssumeRole' && c.caller.accessKeyId === BASE.accessKeyId),
    ).toBe(true);
  } finally {
    await agent2.stop();
  }
});

test('bad plugin_data is refused naming every bad key', async () => {
  const deps = { logger: log.logger, trustDomain: TD };
  await expect(awsSecretsManager.create({ regin: 'us-east-1' }, deps)).rejects.toThrow(
    /region is required.*regin|regin.*region is required/s,
  );
  await expect(
    awsSecretsManager.create({ region: 'us-east-1', access_key_id: 'AKIA1', secret_access_key: '' }, deps),
  ).rejects.toThrow(/access_key_id and secret_access_key must be set together/);
  await expect(
    awsSecretsManager.create({ region: 'us-east-1', secretsmanager_endpoint: 'not a url' }, deps),
  ).rejects.toThrow(/secretsmanager_endpoint: must be a URL/);
  const bad = agentConfig(ts, agentDir(), await createToken(ts.admin), {
    plugins: 'SVIDStore "aws_secretsmanager" { plugin_data { region = "us-east-1"\n bogus = 1 } }',
  });
  await expect(startAgent(bad, new LogCapture())).rejects.toThrow(/aws_secretsmanager.*bogus/s);
});
