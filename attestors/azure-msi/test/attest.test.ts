import { formatSelector } from '@lanyard/attestor-core';
import { InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import { createSigningIdentity, signRs256Jwt } from '@lanyard/test-support';
import {
  APP,
  type AzureWorld,
  agentPayload,
  noChallenge,
  server,
  startWorld,
  tenantId,
  tokenClaims,
} from './helpers';

let world: AzureWorld;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => world.stop());

const PRINCIPAL = '9d2a4b7e-1111-4c3e-9a5b-0123456789ab';
const agentId = () => `spiffe://example.org/spire/agent/azure_msi/${tenantId(world)}/${PRINCIPAL}`;
const armTenant = () => ({
  subscription_id: world.imds.vm.subscriptionId,
  app_id: APP.appId,
  app_secret: APP.appSecret,
});

function payloadWith(token: string): Buffer {
  return Buffer.from(JSON.stringify({ token }));
}

function resigned(payload: Buffer, edit: (claims: Record<string, unknown>) => void): Buffer {
  const claims = tokenClaims(payload);
  edit(claims);
  return payloadWith(signRs256Jwt(world.apis.tokenSigner, claims));
}

describe('azure_msi agent ↔ server', () => {
  it('attests and resolves ARM selectors with the tenant app credentials', async () => {
    const result = await (
      await server(world, {}, armTenant())
    ).attest(await agentPayload(world), noChallenge);
    expect(result.agentId).toBe(agentId());
    expect(result.canReattest).toBe(false);
    expect(result.selectors.map(formatSelector)).toEqual([
      'azure_msi:network-security-group:net-rg:web-nsg',
      'azure_msi:subscription-id:d5b40d61-272e-48da-beb9-05f295c42bd6',
      'azure_msi:virtual-network-subnet:net-rg:prod-vnet:web-subnet',
      'azure_msi:virtual-network:net-rg:prod-vnet',
      'azure_msi:vm-name:prod-rg:web-vm-1',
    ]);
    const paths = world.apis.requests.map((r) => `${r.method} ${r.path}`);
    expect(paths).toContain(`POST /${tenantId(world)}/oauth2/v2.0/token`);
  });

  it('resolves ARM selectors through the default credential chain without app credentials', async () => {
    const result = await (await server(world)).attest(await agentPayload(world), noChallenge);
    expect(result.selectors.map(formatSelector)).toEqual([
      'azure_msi:network-security-group:net-rg:web-nsg',
      'azure_msi:subscription-id:d5b40d61-272e-48da-beb9-05f295c42bd6',
      'azure_msi:virtual-network-subnet:net-rg:prod-vnet:web-subnet',
      'azure_msi:virtual-network:net-rg:prod-vnet',
      'azure_msi:vm-name:prod-rg:web-vm-1',
    ]);
  });

  it('refuses a tampered token', async () => {
    const payload = await agentPayload(world);
    const [h, , s] = (JSON.parse(payload.toString()) as { token: string }).token.split('.');
    const claims = { ...tokenClaims(payload), sub: 'someone-else' };
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    await expect((await server(world)).attest(payloadWith(forged), noChallenge)).rejects.toThrow(
      /unable to verify token signature/,
    );
  });

  it('refuses a token signed by a key Entra ID does not publish', async () => {
    const rogue = await createSigningIdentity({ commonName: 'rogue' });
    const token = signRs256Jwt(rogue, tokenClaims(await agentPayload(world)));
    const attempt = (await server(world)).attest(payloadWith(token), noChallenge);
    await expect(attempt).rejects.toThrow(PermissionDeniedError);
    await expect(attempt).rejects.toThrow(/key id ".*" not found/);
  });

  it('refuses an expired token (beyond the 5 minute leeway)', async () => {
    world.imds.clockOffsetSeconds = -2 * 86400;
    await expect((await server(world)).attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /token has expired/,
    );
  });

  it('refuses a token that is not valid yet (beyond the 5 minute leeway)', async () => {
    const payload = resigned(
      await agentPayload(world),
      (c) => (c.nbf = Math.floor(world.clock.now / 1000) + 3600),
    );
    const attempt = (await server(world)).attest(payload, noChallenge);
    await expect(attempt).rejects.toThrow(PermissionDeniedError);
    await expect(attempt).rejects.toThrow(/token is not valid yet \(nbf in the future\)/);
  });

  it('refuses a token for another resource than the tenant resource_id', async () => {
    const payload = await agentPayload(world, { resource_id: 'https://vault.azure.net' });
    await expect((await server(world)).attest(payload, noChallenge)).rejects.toThrow(
      /audience "https:\/\/vault.azure.net" is not the tenant's resource_id https:\/\/management.azure.com\//,
    );
    const custom = await server(world, {}, { resource_id: 'https://vault.azure.net' });
    await expect(custom.attest(payload, noChallenge)).resolves.toMatchObject({ agentId: agentId() });
  });

  it('refuses a tenant that is not configured', async () => {
    const attestor = await server(world, { tenants: { 'aaaaaaaa-0000-0000-0000-000000000000': {} } });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      new RegExp(`tenant "${tenantId(world)}" is not authorized`),
    );
  });

  it('refuses a token whose issuer is not the tenant', async () => {
    const payload = resigned(await agentPayload(world), (c) => (c.iss = 'https://sts.windows.net/other/'));
    await expect((await server(world)).attest(payload, noChallenge)).rejects.toThrow(
      /issuer .* does not match tenant/,
    );
  });

  it('refuses a second attestation of the same principal (TOFU)', async () => {
    world.attested.add(agentId());
    await expect((await server(world)).attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /already been used to attest an agent/,
    );
  });

  it.each([
    ['non-JSON', Buffer.from('eyJ0eXAi'), /payload is not JSON/],
    ['oversized', Buffer.alloc(70 * 1024, 0x20), /more than the 65536 allowed/],
    ['token-less', Buffer.from('{"tok":"x"}'), /missing token from attestation data/],
    ['non-JWT token', Buffer.from('{"token":"abc"}'), /not a compact JWT/],
    [
      'alg none token',
      Buffer.from(JSON.stringify({ token: `${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.` })),
      /alg "none" is not RS256/,
    ],
    [
      'ES256 token',
      Buffer.from(
        JSON.stringify({
          token: `${Buffer.from('{"alg":"ES256","kid":"k"}').toString('base64url')}.e30.c2ln`,
        }),
      ),
      /alg "ES256" is not RS256/,
    ],
    [
      'kid-less token',
      Buffer.from(
        JSON.stringify({ token: `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.e30.c2ln` }),
      ),
      /token missing key id/,
    ],
  ])('refuses a %s payload with InvalidArgument', async (_name, payload, reason) => {
    const attempt = (await server(world)).attest(payload, noChallenge);
    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(reason);
  });

  it('reports wrong app credentials from the token endpoint', async () => {
    const attestor = await server(world, {}, { ...armTenant(), app_secret: 'wrong' });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /invalid_client: AADSTS7000215: Invalid client secret provided/,
    );
  });

  it('reports a principal ARM does not know', async () => {
    world.apis.vms[0] = { ...world.apis.vms[0], principalId: 'other' };
    const attestor = await server(world, {}, armTenant());
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /principal ".*" not found/,
    );
  });

  it('renders agent_path_template', async () => {
    const attestor = await server(world, { agent_path_template: '/{{ .PluginName }}/{{ .PrincipalID }}' });
    const result = await attestor.attest(await agentPayload(world), noChallenge);
    expect(result.agentId).toBe(`spiffe://example.org/spire/agent/azure_msi/${PRINCIPAL}`);
  });
});
