/**
 * The ARM credential chosen per tenant, end to end against the loopback fakes over TLS: a tenant without app
 * credentials uses `@azure/identity`'s DefaultAzureCredential, configured only through the environment variables the
 * SDK itself reads (workload identity's federated token file, the managed identity endpoint behind the helpers'
 * relay), in its `subscription_id` or else the server's own subscription from IMDS instance metadata.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatSelector } from '@lanyard/attestor-core';
import { InvalidArgumentError, UnavailableError } from '@lanyard/base';
import { signRs256Jwt } from '@lanyard/test-support';
import { type AzureWorld, agentPayload, noChallenge, server, startWorld, tenantId } from './helpers';

const WORKLOAD_CLIENT_ID = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const AZURE_ENV = [
  'AZURE_TENANT_ID',
  'AZURE_CLIENT_ID',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PATH',
  'AZURE_USERNAME',
  'AZURE_FEDERATED_TOKEN_FILE',
  'AZURE_AUTHORITY_HOST',
  'IDENTITY_ENDPOINT',
  'IDENTITY_HEADER',
  'MSI_ENDPOINT',
  'MSI_SECRET',
  'IMDS_ENDPOINT',
];
const EXPECTED = [
  'azure_msi:network-security-group:net-rg:web-nsg',
  'azure_msi:subscription-id:d5b40d61-272e-48da-beb9-05f295c42bd6',
  'azure_msi:virtual-network-subnet:net-rg:prod-vnet:web-subnet',
  'azure_msi:virtual-network:net-rg:prod-vnet',
  'azure_msi:vm-name:prod-rg:web-vm-1',
];

let world: AzureWorld;
let savedEnv: Record<string, string | undefined>;
beforeEach(async () => {
  savedEnv = Object.fromEntries(AZURE_ENV.map((name) => [name, process.env[name]]));
  for (const name of AZURE_ENV) delete process.env[name];
  world = await startWorld();
});
afterEach(async () => {
  await world.stop();
  for (const [name, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

const defaultChainTenant = () => ({ subscription_id: world.imds.vm.subscriptionId });

function tokenRequests(): string[] {
  return world.apis.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token')).map((r) => r.body);
}

describe('azure_msi ARM credentials', () => {
  it('uses workload identity (AZURE_FEDERATED_TOKEN_FILE) through the default chain', async () => {
    const assertion = signRs256Jwt(world.apis.tokenSigner, {
      iss: 'https://oidc.example.org',
      sub: 'system:serviceaccount:spire:spire-server',
      aud: 'api://AzureADTokenExchange',
      exp: Math.floor(Date.now() / 1000) + 600,
    });
    const tokenFile = join(world.dir, 'federated-token');
    writeFileSync(tokenFile, assertion);
    world.apis.appAssertions.set(`${tenantId(world)}/${WORKLOAD_CLIENT_ID}`, assertion);
    Object.assign(process.env, {
      AZURE_TENANT_ID: tenantId(world),
      AZURE_CLIENT_ID: WORKLOAD_CLIENT_ID,
      AZURE_FEDERATED_TOKEN_FILE: tokenFile,
    });
    const attestor = await server(world, {}, defaultChainTenant());
    const result = await attestor.attest(await agentPayload(world), noChallenge);
    expect(result.selectors.map(formatSelector)).toEqual(EXPECTED);
    const form = new URLSearchParams(tokenRequests()[0]);
    expect(form.get('client_id')).toBe(WORKLOAD_CLIENT_ID);
    expect(form.get('client_assertion')).toBe(assertion);
    expect(form.get('client_secret')).toBeNull();
  });

  it('uses the managed identity (IMDS token endpoint) through the default chain', async () => {
    const payload = await agentPayload(world);
    const agentTokens = world.imds.requests.length;
    const attestor = await server(world, {}, defaultChainTenant());
    const result = await attestor.attest(payload, noChallenge);
    expect(result.selectors.map(formatSelector)).toEqual(EXPECTED);
    const serverTokens = world.imds.requests
      .slice(agentTokens)
      .filter((r) => r.path.startsWith('/metadata/identity/oauth2/token') && r.headers.metadata === 'true');
    expect(serverTokens.map((r) => new URLSearchParams(r.query).get('resource'))).toContain(world.apis.url);
    expect(tokenRequests()).toEqual([]);
  });

  it('reports every credential of the chain, with Entra ID’s refusal of a wrong federated assertion', async () => {
    const tokenFile = join(world.dir, 'federated-token');
    writeFileSync(tokenFile, 'not-the-registered-assertion');
    const payload = await agentPayload(world);
    await world.imds.stop();
    Object.assign(process.env, {
      AZURE_TENANT_ID: tenantId(world),
      AZURE_CLIENT_ID: WORKLOAD_CLIENT_ID,
      AZURE_FEDERATED_TOKEN_FILE: tokenFile,
    });
    // The managed identity endpoint is the stopped IMDS fake: the chain must not find a token anywhere.
    const attestor = await server(world, {}, defaultChainTenant());
    const attempt = attestor.attest(payload, noChallenge);
    await expect(attempt).rejects.toThrow(UnavailableError);
    await expect(attempt).rejects.toThrow(
      /list virtual machine by principal failed: no credential available: .*invalid_client: AADSTS7000215/,
    );
  });

  it('searches the server’s own subscription, from its IMDS instance metadata, for a tenant without subscription_id', async () => {
    const attestor = await server(world);
    const instance = world.imds.requests.filter((r) => r.path === '/metadata/instance');
    expect(instance).toHaveLength(1);
    expect(instance[0].headers.metadata).toBe('true');
    const result = await attestor.attest(await agentPayload(world), noChallenge);
    expect(result.selectors.map(formatSelector)).toEqual(EXPECTED);
    const arm = world.apis.requests.filter((r) => r.path.startsWith('/subscriptions/'));
    expect(arm[0]?.path).toContain(`/subscriptions/${world.imds.vm.subscriptionId}/`);
  });

  it('fails configuration, naming the tenant, when the instance metadata cannot be fetched', async () => {
    await world.imds.stop();
    const attempt = server(world, { metadata_timeout: '300ms', metadata_attempts: 1 });
    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(
      new RegExp(
        `plugin_data.tenants "${tenantId(world)}" has no app credentials, .* instance metadata, which cannot be fetched: .*failed after 1 attempts`,
      ),
    );
  });

  it('fails configuration when the instance metadata has no subscription', async () => {
    world.imds.vm = { ...world.imds.vm, subscriptionId: '' };
    await expect(server(world)).rejects.toThrow(/response missing instance subscription id/);
  });
});
