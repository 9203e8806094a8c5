import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { InvalidArgumentError, UnavailableError } from '@lanyard/base';
import { createSigningIdentity } from '@lanyard/test-support';
import { DOMAIN, type ImdsWorld, agent, server, startWorld } from './helpers';

let world: ImdsWorld;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => world.stop());

describe('azure_imds agent half and configuration', () => {
  it('sends the SPIRE opening payload and a response with document and metadata', async () => {
    const a = await agent(world);
    expect((await a.payload()).toString()).toBe('non_empty_payload');
    world.imds.vmScaleSetName = 'web-vmss';
    const response = JSON.parse((await a.respondToChallenge!(Buffer.from('abc123'))).toString());
    expect(response.metadata).toEqual({ agentDomain: DOMAIN, vmssName: 'web-vmss' });
    expect(response.document.encoding).toBe('pkcs7');
  });

  it('refuses a challenge that is not a short alphanumeric nonce', async () => {
    const a = await agent(world);
    await expect(a.respondToChallenge!(Buffer.from('a&resource=x'))).rejects.toThrow(InvalidArgumentError);
  });

  it('the fake answers 400 without the Metadata header like IMDS', async () => {
    const res = await fetch(`${world.imds.url}/metadata/attested/document?api-version=2025-04-07&nonce=abc`);
    expect(res.status).toBe(400);
  });

  it('gives up with a clear message when IMDS is slow or down', async () => {
    const a = await agent(world);
    world.imds.setDelay(1000);
    await expect(a.respondToChallenge!(Buffer.from('abc'))).rejects.toThrow(
      /attested document: .* failed after 2 attempts: no answer within 300ms/,
    );
    await world.imds.stop();
    await expect(a.respondToChallenge!(Buffer.from('abc'))).rejects.toThrow(UnavailableError);
  });

  it('requires tenant_domain on the agent', async () => {
    await expect(agent(world, { tenant_domain: undefined })).rejects.toThrow(
      /azure_imds: plugin_data.tenant_domain is required/,
    );
  });

  it('validates server config', async () => {
    await expect(server(world, { trust_bundle_path: undefined })).rejects.toThrow(
      /trust_bundle_path is required/,
    );
    await expect(server(world, { tenants: {} })).rejects.toThrow(/tenants must have at least one tenant/);
    await expect(
      server(
        world,
        {},
        { secret_auth: { app_id: 'a', app_secret: 'b' }, token_auth: { app_id: 'a', token_path: '/x' } },
      ),
    ).rejects.toThrow(/only one of secret_auth or token_auth/);
    await expect(server(world, { tenants: { 'unknown.example': {} } })).rejects.toThrow(
      /unable to lookup tenant ID for "unknown.example"/,
    );
    const leaf = await createSigningIdentity({ commonName: 'not a ca' });
    const path = join(world.dir, 'leaf.pem');
    writeFileSync(path, leaf.certPem);
    await expect(server(world, { trust_bundle_path: path })).rejects.toThrow(/contains a non-CA certificate/);
  });
});
