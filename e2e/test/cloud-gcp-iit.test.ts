/**
 * gcp_iit end to end: the real lanyard-server and two real lanyard-agents attest with instance identity tokens
 * minted by two FakeGcpMetadata servers (one fake Google signing key), the server reads Google's keys and the
 * instances from FakeGoogleApis (Compute API with a service-account key), and a node alias selected by an
 * instance label hands a workload identity to the labelled VM only.
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
import { FakeGcpMetadata, FakeGoogleApis, type FakeGceIdentity } from '@lanyard/test-support';

jest.setTimeout(180_000);

const PROJECT = 'my-project';
const NODE_ID = 'spiffe://example.org/nodes/web';
const WORKLOAD_ID = 'spiffe://example.org/web/frontend';
const CONTROL_ID = 'spiffe://example.org/db/control';
const agentId = (identity: FakeGceIdentity): string =>
  `spiffe://example.org/spire/agent/gcp_iit/${identity.projectId}/${identity.instanceId}`;

let dir: string;
let apis: FakeGoogleApis;
let webMetadata: FakeGcpMetadata;
let otherMetadata: FakeGcpMetadata;
let cluster: CloudCluster | undefined;

function registerInstance(identity: FakeGceIdentity, role: string): void {
  apis.instances.set(`${identity.projectId}/${identity.zone}/${identity.instanceName}`, {
    id: identity.instanceId,
    name: identity.instanceName,
    zone: identity.zone,
    project: identity.projectId,
    tags: [`${role}-server`],
    labels: { role, team: 'platform' },
    metadata: {},
    serviceAccounts: [identity.serviceAccountEmail],
  });
}

beforeAll(async () => {
  dir = makeE2eDir('lanyard-e2e-gcp-');
  apis = await FakeGoogleApis.create();
  webMetadata = new FakeGcpMetadata(apis.signers[0]);
  otherMetadata = new FakeGcpMetadata(apis.signers[0]);
  otherMetadata.identity = {
    ...otherMetadata.identity,
    instanceId: '5353535353535353535',
    instanceName: 'db-1',
  };
  await Promise.all([apis.start(), webMetadata.start(), otherMetadata.start()]);
  registerInstance(webMetadata.identity, 'web');
  registerInstance(otherMetadata.identity, 'db');
  const key = await apis.serviceAccountKeyFile(`lanyard-server@${PROJECT}.iam.gserviceaccount.com`, PROJECT);
  fs.writeFileSync(path.join(dir, 'sa.json'), JSON.stringify(key), { mode: 0o600 });
});

afterAll(async () => {
  await cluster?.stop();
  await Promise.all([apis?.stop(), webMetadata?.stop(), otherMetadata?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('1. the server and two agents attest with gcp_iit', async () => {
  const metadataData = (metadata: FakeGcpMetadata) => ({
    identity_token_host: metadata.host,
    metadata_timeout: '2s',
  });
  cluster = await startCloudCluster(dir, {
    name: 'gcp_iit',
    server: {
      projectid_allow_list: [PROJECT],
      use_instance_metadata: true,
      service_account_file: path.join(dir, 'sa.json'),
      allowed_label_keys: ['role'],
      google_certs_url: `${apis.url}/oauth2/v1/certs`,
      compute_endpoint: `${apis.url}/compute/v1/`,
    },
    webAgent: metadataData(webMetadata),
    otherAgent: metadataData(otherMetadata),
  });
  expect(await attestedAgentIds(cluster.server)).toEqual(
    [agentId(webMetadata.identity), agentId(otherMetadata.identity)].sort(),
  );
});

test('2. a node alias selected by the label role=web gets a workload entry', async () => {
  await registerCloudEntries(cluster!.server, {
    nodeId: NODE_ID,
    nodeSelector: 'gcp_iit:label:role:web',
    workloadId: WORKLOAD_ID,
    otherAgentId: agentId(otherMetadata.identity),
    controlId: CONTROL_ID,
  });
});

test('3. the workload on the web VM is issued the SPIFFE ID', async () => {
  expect(await waitForSvid(cluster!.web, WORKLOAD_UID)).toBe(WORKLOAD_ID);
});

test('4. the VM labelled role=db serves its own entry but not the web identity', async () => {
  expect(await waitForSvid(cluster!.other, OTHER_WORKLOAD_UID)).toBe(CONTROL_ID);
  const denied = await fetchX509As(cluster!.other, WORKLOAD_UID);
  expect(denied.code).not.toBe(0);
  expect(denied.stderr).toContain('PermissionDenied desc = no identity issued');
});
