/**
 * azure_imds tenants without `secret_auth` or `token_auth`: ARM calls through `@azure/identity`'s
 * DefaultAzureCredential, as SPIRE does — here the managed identity found through `AZURE_POD_IDENTITY_AUTHORITY_HOST`
 * (the IMDS fake's token endpoint behind the relay `startWorld` aims).
 */
import { formatSelector } from '@lanyard/attestor-core';
import { UnavailableError } from '@lanyard/base';
import { parseServerConfig } from '../src/server-config';
import { DOMAIN, type ImdsWorld, agent, attestOnce, server, startWorld } from './helpers';

let world: ImdsWorld;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => world.stop());

describe('azure_imds default credential', () => {
  it('resolves ARM selectors with the managed identity for a tenant without credentials', async () => {
    const result = await attestOnce(world, {}, { allowed_vm_tags: ['env'] });
    expect(result.selectors.map(formatSelector)).toEqual([
      'azure_imds:network-security-group:net-rg:web-nsg',
      'azure_imds:resource-group:prod-rg',
      'azure_imds:subscription-id:d5b40d61-272e-48da-beb9-05f295c42bd6',
      'azure_imds:virtual-network-subnet:prod-vnet:web-subnet',
      'azure_imds:virtual-network:prod-vnet',
      'azure_imds:vm-location:eastus',
      'azure_imds:vm-name:web-vm-1',
      'azure_imds:vm-tag:env:prod',
    ]);
    const tokens = world.imds.requests.filter((r) => r.path.startsWith('/metadata/identity/oauth2/token'));
    expect(tokens.map((r) => new URLSearchParams(r.query).get('resource'))).toContain(world.apis.url);
    expect(world.apis.requests.some((r) => r.path.endsWith('/oauth2/v2.0/token'))).toBe(false);
    const arm = world.apis.requests.filter((r) => r.path.startsWith('/subscriptions/'));
    expect(arm[0]?.path).toContain(`/subscriptions/${world.imds.vm.subscriptionId}/`);
  });

  it('fails the attestation when the chain finds no credential', async () => {
    const a = await agent(world);
    const s = await server(world);
    const attempt = s.attest(await a.payload(), async (nonce) => {
      const response = await a.respondToChallenge!(nonce);
      // The managed identity endpoint goes away once the document is fetched: nothing in the chain yields a token.
      await world.imds.stop();
      return response;
    });
    await expect(attempt).rejects.toThrow(UnavailableError);
    await expect(attempt).rejects.toThrow(/list virtual machines failed: .*credential/i);
    expect(world.apis.requests.some((r) => r.path.startsWith('/subscriptions/'))).toBe(false);
  });

  it('reports default_credential as an unknown key: the chain needs no opt-in', () => {
    expect(() =>
      parseServerConfig({
        tenants: { [DOMAIN]: { default_credential: true } },
        trust_bundle_path: world.bundlePath,
      }),
    ).toThrow(/default_credential/);
  });
});
