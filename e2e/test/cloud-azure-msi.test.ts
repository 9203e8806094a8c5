/**
 * azure_msi end to end: the real lanyard-server and two real lanyard-agents attest with managed-identity access
 * tokens issued by two FakeAzureImds (one fake Entra ID signing key); the server discovers the keys and looks the
 * VMs up in FakeAzureApis (OIDC discovery, client-credentials token, ARM), and a node alias selected by the
 * network security group hands a workload identity to the web VM only.
 */
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
import * as fs from 'node:fs';
import * as path from 'node:path';

jest.setTimeout(180_000);

const APP = { appId: '11111111-2222-3333-4444-555555555555', appSecret: 'e2e-app-secret' };
const NODE_ID = 'spiffe://example.org/nodes/web';
const WORKLOAD_ID = 'spiffe://example.org/web/frontend';
const CONTROL_ID = 'spiffe://example.org/db/control';
const agentId = (vm: FakeAzureVm): string =>
  `spiffe://example.org/spire/agent/azure_msi/${vm.tenantId}/${vm.principalId}`;

let dir: string;
let apis: FakeAzureApis;
let webImds: FakeAzureImds;
let otherImds: FakeAzureImds;
let cluster: CloudCluster | undefined;

/** A second VM in the same subscription, behind its own NSG. */
function dbVm(web: FakeAzureVm): FakeAzureVm {
  return {
    ...web,
    name: 'db-vm-1',
    vmId: '5c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f',
    principalId: '7e8f9a0b-2222-4d5e-8f60-123456789abc',
    tags: { role: 'db' },
    nics: [
      {
        name: 'db-vm-1-nic',
        resourceGroup: 'prod-rg',
        networkSecurityGroup: { resourceGroup: 'net-rg', name: 'db-nsg' },
        subnets: [{ resourceGroup: 'net-rg', virtualNetwork: 'prod-vnet', name: 'db-subnet' }],
      },
    ],
  };
}

beforeAll(async () => {
  dir = makeE2eDir('lanyard-e2e-azmsi-');
  apis = await FakeAzureApis.create(undefined, { tls: true });
  webImds = new FakeAzureImds(apis);
  otherImds = new FakeAzureImds(apis);
  otherImds.vm = dbVm(webImds.vm);
  await Promise.all([apis.start(), webImds.start(), otherImds.start()]);
  fs.writeFileSync(path.join(dir, 'endpoint-ca.pem'), apis.caPem);
  apis.vms.push(webImds.vm, otherImds.vm);
  apis.apps.set(`${webImds.vm.tenantId}/${APP.appId}`, APP.appSecret);
});

afterAll(async () => {
  await cluster?.stop();
  await Promise.all([apis?.stop(), webImds?.stop(), otherImds?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('1. the server and two agents attest with azure_msi', async () => {
  const imdsData = (imds: FakeAzureImds) => ({ metadata_endpoint: imds.url, metadata_timeout: '2s' });
  cluster = await startCloudCluster(dir, {
    name: 'azure_msi',
    server: {
      tenants: {
        [webImds.vm.tenantId]: {
          subscription_id: webImds.vm.subscriptionId,
          app_id: APP.appId,
          app_secret: APP.appSecret,
        },
      },
      authority_host: apis.url,
      resource_manager_endpoint: apis.url,
      endpoint_ca_bundle_path: path.join(dir, 'endpoint-ca.pem'),
    },
    webAgent: imdsData(webImds),
    otherAgent: imdsData(otherImds),
  });
  expect(await attestedAgentIds(cluster.server)).toEqual([agentId(webImds.vm), agentId(otherImds.vm)].sort());
});

test('2. a node alias selected by the web network security group gets a workload entry', async () => {
  await registerCloudEntries(cluster!.server, {
    nodeId: NODE_ID,
    nodeSelector: 'azure_msi:network-security-group:net-rg:web-nsg',
    workloadId: WORKLOAD_ID,
    otherAgentId: agentId(otherImds.vm),
    controlId: CONTROL_ID,
  });
});

test('3. the workload on the web VM is issued the SPIFFE ID', async () => {
  expect(await waitForSvid(cluster!.web, WORKLOAD_UID)).toBe(WORKLOAD_ID);
});

test('4. the VM behind db-nsg serves its own entry but not the web identity', async () => {
  expect(await waitForSvid(cluster!.other, OTHER_WORKLOAD_UID)).toBe(CONTROL_ID);
  const denied = await fetchX509As(cluster!.other, WORKLOAD_UID);
  expect(denied.code).not.toBe(0);
  expect(denied.stderr).toContain('PermissionDenied desc = no identity issued');
});
