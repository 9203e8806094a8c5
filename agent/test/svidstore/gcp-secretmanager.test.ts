/**
 * `SVIDStore "gcp_secretmanager"` end to end: a real server and agent, the official Secret Manager client over
 * REST against a loopback Secret Manager that accepts only OAuth access tokens issued by a fake token endpoint
 * for a service account key (JWT-bearer grant signed with the key).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FakeGoogleApis, FakeSecretManager } from '@lanyard/test-support';
import type { Agent } from '../../src/agent';
import { gcpSecretManager } from '../../src/svidstore/gcp-secretmanager';
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
  type TestServer,
} from '../harness';
import { checkStoredSecret } from './stored-secret';

jest.setTimeout(90_000);

const PROJECT = 'svid-project';
const TD_LABEL = createHash('sha1').update(TD).digest('hex');

let ts: TestServer;
let google: FakeGoogleApis;
let sm: FakeSecretManager;
let agent: Agent;
let log: LogCapture;
let agentId: string;
let keyFile: string;

const secretName = (name: string): string => `projects/${PROJECT}/secrets/${name}`;

async function storeEntry(name: string, extra: string[] = [], x509SvidTtl?: number): Promise<string> {
  return createEntry(ts.admin, {
    parentId: agentId,
    spiffeId: `spiffe://${TD}/gcp/${name}`,
    selectors: [`gcp_secretmanager:name:${name}`, `gcp_secretmanager:projectid:${PROJECT}`, ...extra],
    storeSvid: true,
    x509SvidTtl,
  });
}

beforeAll(async () => {
  google = await FakeGoogleApis.create();
  await google.start();
  sm = new FakeSecretManager((token) => google.isAccessToken(token));
  await sm.start();
  const dir = agentDir();
  keyFile = path.join(dir, 'sa.json');
  const key = await google.serviceAccountKeyFile('svid-writer@svid-project.iam.gserviceaccount.com', PROJECT);
  fs.writeFileSync(keyFile, JSON.stringify(key), { mode: 0o600 });
  ts = await startTestServer({ x509SvidTtlSeconds: 3600 });
  log = new LogCapture();
  const plugins = `SVIDStore "gcp_secretmanager" {
    plugin_data {
      service_account_file = "${keyFile}"
      secretmanager_endpoint = "${sm.url}"
    }
  }`;
  agent = await startAgent(agentConfig(ts, dir, await createToken(ts.admin), { plugins }), log);
  agentId = agent.identity.svid?.spiffeId ?? '';
});
afterAll(async () => {
  await agent?.stop();
  await ts?.stop();
  await sm?.stop();
  await google?.stop();
});

test('a -storeSVID entry becomes a labelled secret whose version holds the SVID, with an OAuth token from the key', async () => {
  const id = await storeEntry('foo');
  const payload = await eventually('the secret version', () => sm.latest(secretName('foo')));
  checkStoredSecret(payload, `spiffe://${TD}/gcp/foo`);
  const secret = sm.secrets.get(secretName('foo'))!;
  expect(secret.labels).toEqual({ 'spire-svid': TD_LABEL });
  expect(secret.replication).toEqual({ automatic: {} });
  expect(google.requests.some((r) => r.method === 'POST' && r.path === '/token')).toBe(true);
  expect(sm.requests.every((r) => String(r.headers.authorization).startsWith('Bearer ya29.'))).toBe(true);
  expect(agent.cache.getSvid(id)).toBeUndefined();
  expect(log.text).not.toContain('ya29.');
});

test('regions and an IAM binding come from the selectors', async () => {
  await storeEntry('regional', [
    'gcp_secretmanager:regions:europe-north1,europe-west1',
    'gcp_secretmanager:role:roles/secretmanager.secretAccessor',
    'gcp_secretmanager:serviceaccount:reader@svid-project.iam.gserviceaccount.com',
  ]);
  await eventually('the secret version', () => sm.latest(secretName('regional')));
  const secret = sm.secrets.get(secretName('regional'))!;
  expect(secret.replication).toEqual({
    userManaged: { replicas: [{ location: 'europe-north1' }, { location: 'europe-west1' }] },
  });
  expect(secret.policy.bindings).toEqual([
    {
      role: 'roles/secretmanager.secretAccessor',
      members: ['serviceAccount:reader@svid-project.iam.gserviceaccount.com'],
    },
  ]);
});

test('a rotated SVID adds a version; deleting the entry deletes the secret', async () => {
  const id = await storeEntry('rotating', [], 20);
  const spiffeId = `spiffe://${TD}/gcp/rotating`;
  const first = checkStoredSecret(await eventually('v1', () => sm.latest(secretName('rotating'))), spiffeId);
  const second = await eventually(
    'the rotated version',
    () => {
      const payload = sm.latest(secretName('rotating'));
      const checked = payload && checkStoredSecret(payload, spiffeId);
      return checked && checked.leaf.serialNumber !== first.leaf.serialNumber ? checked : undefined;
    },
    60_000,
  );
  expect(second.leaf.serialNumber).not.toBe(first.leaf.serialNumber);
  await deleteEntry(ts.admin, id);
  await eventually('the deletion', () => (sm.secrets.has(secretName('rotating')) ? undefined : true));
});

test('a secret of another owner is never written, and the refusal is logged', async () => {
  sm.seed(secretName('foreign'), { 'spire-svid': 'some-other-trust-domain-hash' }, 'not an svid');
  sm.seed(secretName('unlabelled'), {}, 'plain secret');
  await storeEntry('foreign');
  await storeEntry('unlabelled');
  await eventually('the refusals', () =>
    (log.text.match(/Failed to put X509-SVID.*secret is not managed by this SPIRE deployment/g) ?? [])
      .length >= 2
      ? true
      : undefined,
  );
  expect(sm.secrets.get(secretName('foreign'))!.versions.map(String)).toEqual(['not an svid']);
  expect(sm.secrets.get(secretName('unlabelled'))!.versions.map(String)).toEqual(['plain secret']);
});

test('an entry without the required selectors is reported, not stored', async () => {
  await createEntry(ts.admin, {
    parentId: agentId,
    spiffeId: `spiffe://${TD}/gcp/noproject`,
    selectors: ['gcp_secretmanager:name:noproject'],
    storeSvid: true,
  });
  await eventually('the report', () =>
    /Failed to put X509-SVID.*projectid is required/.test(log.text) ? true : undefined,
  );
  expect([...sm.secrets.keys()].some((n) => n.endsWith('/noproject'))).toBe(false);
});

test('bad plugin_data and unusable key files are refused with the key named', async () => {
  const deps = { logger: log.logger, trustDomain: TD };
  await expect(gcpSecretManager.create({ service_acount_file: keyFile }, deps)).rejects.toThrow(
    /service_acount_file/,
  );
  await expect(
    gcpSecretManager.create({ service_account_file: '/nonexistent/sa.json' }, deps),
  ).rejects.toThrow(/service_account_file.*\/nonexistent\/sa\.json: cannot be read as JSON: ENOENT/);
  const notSa = path.join(path.dirname(keyFile), 'user.json');
  fs.writeFileSync(notSa, JSON.stringify({ type: 'authorized_user' }), { mode: 0o600 });
  await expect(gcpSecretManager.create({ service_account_file: notSa }, deps)).rejects.toThrow(
    /type must be "service_account"/,
  );
});
