/**
 * azure_imds's `default_credential` tenants: ARM calls through `@azure/identity`'s DefaultAzureCredential, here the
 * managed identity found through `AZURE_POD_IDENTITY_AUTHORITY_HOST` (the IMDS fake's token endpoint).
 */
import { formatSelector } from '@lanyard/attestor-core';
import { parseServerConfig } from '../src/server-config';
import { APP, type ImdsWorld, attestOnce, startWorld } from './helpers';

const ENV = 'AZURE_POD_IDENTITY_AUTHORITY_HOST';

let world: ImdsWorld;
let saved: string | undefined;
beforeEach(async () => {
  saved = process.env[ENV];
  world = await startWorld();
});
afterEach(async () => {
  if (saved === undefined) delete process.env[ENV];
  else process.env[ENV] = saved;
  await world.stop();
});

describe('azure_imds default credential', () => {
  it('resolves ARM selectors with the managed identity when default_credential is set', async () => {
    process.env[ENV] = world.imds.url;
    const result = await attestOnce(world, {}, { default_credential: true, allowed_vm_tags: ['env'] });
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
  });

  it('refuses default_credential together with secret_auth', () => {
    expect(() =>
      parseServerConfig({
        tenants: { 'contoso.onmicrosoft.com': { default_credential: true, secret_auth: APP } },
        trust_bundle_path: world.bundlePath,
      }),
    ).toThrow(
      /tenants "contoso.onmicrosoft.com".default_credential cannot be combined with secret_auth or token_auth/,
    );
  });
});
