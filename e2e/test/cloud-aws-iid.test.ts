/**
 * aws_iid end to end: the real lanyard-server and two real lanyard-agents attest with EC2 instance identity
 * documents from two FakeAwsImds instances (same fake AWS signing keys), the server checks them against
 * FakeAwsApi (SigV4-signed DescribeInstances / GetInstanceProfile), and a node alias selected by an EC2 tag
 * hands a workload identity to the tagged instance only.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  OTHER_WORKLOAD_UID,
  WORKLOAD_UID,
  attestedAgentIds,
  fetchX509As,
  makeE2eDir,
  registerCloudEntries,
  startCloudCluster,
  waitForSvid,
  type CloudCluster,
} from '@lanyard/e2e';
import { FakeAwsApi, FakeAwsImds, type FakeEc2Instance } from '@lanyard/test-support';

jest.setTimeout(180_000);

const CREDS = { accessKeyId: 'AKIAE2EFAKEFAKE00001', secretAccessKey: 'e2e/fake/secret/key' };
const ACCOUNT = '123456789012';
const WEB_INSTANCE = 'i-0abc1234def567890';
const OTHER_INSTANCE = 'i-0fed9876cba543210';
const agentId = (instance: string): string =>
  `spiffe://example.org/spire/agent/aws_iid/${ACCOUNT}/us-east-1/${instance}`;
const NODE_ID = 'spiffe://example.org/nodes/web';
const WORKLOAD_ID = 'spiffe://example.org/web/frontend';
const CONTROL_ID = 'spiffe://example.org/db/control';

let dir: string;
let webImds: FakeAwsImds;
let otherImds: FakeAwsImds;
let api: FakeAwsApi;
let cluster: CloudCluster | undefined;

function instance(instanceId: string, role: string): FakeEc2Instance {
  return {
    instanceId,
    imageId: 'ami-0123456789abcdef0',
    state: 'running',
    tags: { role, env: 'prod' },
    securityGroups: [{ id: `sg-${role}`, name: `${role}-sg` }],
    iamInstanceProfileArn: `arn:aws:iam::${ACCOUNT}:instance-profile/${role}-profile`,
    rootDeviceType: 'ebs',
    rootDeviceName: '/dev/xvda',
    rootAttachTime: '2026-11-24T06:00:05.000Z',
    eni0AttachTime: '2026-11-24T06:00:00.000Z',
  };
}

beforeAll(async () => {
  dir = makeE2eDir('lanyard-e2e-aws-');
  webImds = await FakeAwsImds.create();
  otherImds = await FakeAwsImds.create(webImds);
  otherImds.document = { ...otherImds.document, instanceId: OTHER_INSTANCE, privateIp: '10.0.0.13' };
  api = new FakeAwsApi(CREDS);
  await Promise.all([webImds.start(), otherImds.start(), api.start()]);
  api.instances.set(WEB_INSTANCE, instance(WEB_INSTANCE, 'web'));
  api.instances.set(OTHER_INSTANCE, instance(OTHER_INSTANCE, 'db'));
  for (const role of ['web', 'db']) {
    api.instanceProfiles.set(`${role}-profile`, [`arn:aws:iam::${ACCOUNT}:role/${role}-role`]);
  }
  fs.writeFileSync(path.join(dir, 'aws-signers.pem'), webImds.signer.certPem + webImds.signer2048.certPem);
});

afterAll(async () => {
  await cluster?.stop();
  await Promise.all([webImds?.stop(), otherImds?.stop(), api?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('1. the server and two agents attest with aws_iid', async () => {
  const imdsData = (imds: FakeAwsImds) => ({ ec2_metadata_endpoint: imds.url, metadata_timeout: '2s' });
  cluster = await startCloudCluster(dir, {
    name: 'aws_iid',
    server: {
      access_key_id: CREDS.accessKeyId,
      secret_access_key: CREDS.secretAccessKey,
      instance_identity_ca_path: path.join(dir, 'aws-signers.pem'),
      ec2_endpoint: api.url,
      iam_endpoint: api.url,
      sts_endpoint: api.url,
    },
    webAgent: imdsData(webImds),
    otherAgent: imdsData(otherImds),
  });
  expect(await attestedAgentIds(cluster.server)).toEqual(
    [agentId(WEB_INSTANCE), agentId(OTHER_INSTANCE)].sort(),
  );
  const actions = api.calls.map((c) => `${c.caller.service}:${c.action}`);
  expect(actions.filter((a) => a === 'ec2:DescribeInstances')).toHaveLength(2);
});

test('2. a node alias selected by the EC2 tag role=web gets a workload entry', async () => {
  await registerCloudEntries(cluster!.server, {
    nodeId: NODE_ID,
    nodeSelector: 'aws_iid:tag:role:web',
    workloadId: WORKLOAD_ID,
    otherAgentId: agentId(OTHER_INSTANCE),
    controlId: CONTROL_ID,
  });
});

test('3. the workload on the web instance is issued the SPIFFE ID', async () => {
  expect(await waitForSvid(cluster!.web, WORKLOAD_UID)).toBe(WORKLOAD_ID);
});

test('4. the instance tagged role=db serves its own entry but not the web identity', async () => {
  expect(await waitForSvid(cluster!.other, OTHER_WORKLOAD_UID)).toBe(CONTROL_ID);
  const denied = await fetchX509As(cluster!.other, WORKLOAD_UID);
  expect(denied.code).not.toBe(0);
  expect(denied.stderr).toContain('PermissionDenied desc = no identity issued');
});
