/**
 * azure_imds end to end: the real lanyard-server challenges two real lanyard-agents with nonces, each agent
 * answers with the attested document its FakeAzureImds signs (fake Azure PKI: root → intermediate served over
 * AIA → leaf), the server resolves the tenant and the VMs through FakeAzureApis, and a node alias selected by a
 * VM tag hands a workload identity to the web VM only.
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
import { FakeAzureApis, FakeAzureImds, type FakeAzureVm } from '@lanyard/test-support';

jest.setTimeout(180_000);

const DOMAIN = 'contoso.onmicrosoft.com';
const APP = { app_id: '11111111-2222-3333-4444-555555555555', app_secret: 'e2e-imds-app-secret' };
const NODE_ID = 'spiffe://example.org/nodes/web';
const WORKLOAD_ID = 'spiffe://example.org/web/frontend';
const CONTROL_ID = 'spiffe://example.org/db/control';
const agentId = (vm: FakeAzureVm): string =>
  `spiffe://example.org/spire/agent/azure_imds/${vm.tenantId}/${vm.subscriptionId}/${vm.vmId}`;

let dir: string;
let apis: FakeAzureApis;
let webImds: FakeAzureImds;
let otherImds: FakeAzureImds;
let cluster: CloudCluster | undefined;

beforeAll(async () => {
  dir = makeE2eDir('lanyard-e2e-azimds-');
  apis = await FakeAzureApis.create(undefined, { tls: true });
  webImds = new FakeAzureImds(apis);
  webImds.vm = { ...webImds.vm, tags: { role: 'web', env: 'prod' } };
  otherImds = new FakeAzureImds(apis);
  otherImds.vm = {
    ...otherImds.vm,
    name: 'db-vm-1',
    vmId: '5c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f',
    principalId: '7e8f9a0b-2222-4d5e-8f60-123456789abc',
    tags: { role: 'db', env: 'prod' },
  };
  await Promise.all([apis.start(), webImds.start(), otherImds.start()]);
  fs.writeFileSync(path.join(dir, 'endpoint-ca.pem'), apis.caPem);
  apis.vms.push(webImds.vm, otherImds.vm);
  apis.tenantDomains.set(DOMAIN, webImds.vm.tenantId);
  apis.apps.set(`${webImds.vm.tenantId}/${APP.app_id}`, APP.app_secret);
  fs.writeFileSync(path.join(dir, 'azure-roots.pem'), apis.pki.root.certPem);
});

afterAll(async () => {
  await cluster?.stop();
  await Promise.all([apis?.stop(), webImds?.stop(), otherImds?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('1. the server and two agents attest with azure_imds (nonce challenge)', async () => {
  const imdsData = (imds: FakeAzureImds) => ({
    tenant_domain: DOMAIN,
    metadata_endpoint: imds.url,
    metadata_timeout: '2s',
  });
  cluster = await startCloudCluster(dir, {
    name: 'azure_imds',
    server: {
      tenants: { [DOMAIN]: { secret_auth: APP, allowed_vm_tags: ['role'] } },
      trust_bundle_path: path.join(dir, 'azure-roots.pem'),
      intermediate_issuer_hosts: [apis.aiaHost],
      authority_host: apis.url,
      resource_manager_endpoint: apis.url,
      endpoint_ca_bundle_path: path.join(dir, 'endpoint-ca.pem'),
    },
    webAgent: imdsData(webImds),
    otherAgent: imdsData(otherImds),
  });
  expect(await attestedAgentIds(cluster.server)).toEqual([agentId(webImds.vm), agentId(otherImds.vm)].sort());
  const nonces = [webImds, otherImds].map((imds) =>
    imds.requests.filter((r) => r.path === '/metadata/attested/document').map((r) => r.query),
  );
  expect(nonces.map((n) => n.length)).toEqual([1, 1]);
  expect(nonces[0][0]).not.toEqual(nonces[1][0]);
});

test('2. a node alias selected by the VM tag role=web gets a workload entry', async () => {
  await registerCloudEntries(cluster!.server, {
    nodeId: NODE_ID,
    nodeSelector: 'azure_imds:vm-tag:role:web',
    workloadId: WORKLOAD_ID,
    otherAgentId: agentId(otherImds.vm),
    controlId: CONTROL_ID,
  });
});

test('3. the workload on the web VM is issued the SPIFFE ID', async () => {
  expect(await waitForSvid(cluster!.web, WORKLOAD_UID)).toBe(WORKLOAD_ID);
});

test('4. the VM tagged role=db serves its own entry but not the web identity', async () => {
  expect(await waitForSvid(cluster!.other, OTHER_WORKLOAD_UID)).toBe(CONTROL_ID);
  const denied = await fetchX509As(cluster!.other, WORKLOAD_UID);
  expect(denied.code).not.toBe(0);
  expect(denied.stderr).toContain('PermissionDenied desc = no identity issued');
});
