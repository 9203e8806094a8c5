import { PermissionDeniedError, UnavailableError } from '@lanyard/base';
import { parseServerConfig } from '../src';
import { type AzureWorld, agentPayload, startWorld, tokenClaims } from './helpers';

let world: AzureWorld;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => world.stop());

describe('azure_msi agent half over the fake IMDS', () => {
  it('requests a token for the default resource with Metadata: true', async () => {
    const payload = await agentPayload(world);
    const [req] = world.imds.requests;
    expect(req.path).toBe('/metadata/identity/oauth2/token');
    expect(req.headers.metadata).toBe('true');
    expect(tokenClaims(payload)).toMatchObject({
      aud: 'https://management.azure.com/',
      tid: world.imds.vm.tenantId,
    });
    expect(Object.keys(JSON.parse(payload.toString()))).toEqual(['token']);
  });

  it('the fake answers 400 without the Metadata header like IMDS', async () => {
    const res = await fetch(
      `${world.imds.url}/metadata/identity/oauth2/token?api-version=2018-02-01&resource=x`,
    );
    expect(res.status).toBe(400);
  });

  it('reports an IMDS refusal as PermissionDenied', async () => {
    world.imds.failNext({
      status: 400,
      body: '{"error":"invalid_request","error_description":"Identity not found"}',
    });
    await expect(agentPayload(world)).rejects.toThrow(PermissionDeniedError);
  });

  it('gives up with a clear message when IMDS is down or slow', async () => {
    world.imds.setDelay(1000);
    await expect(agentPayload(world)).rejects.toThrow(/failed after 2 attempts: no answer within 300ms/);
    await world.imds.stop();
    await expect(agentPayload(world)).rejects.toThrow(UnavailableError);
  });

  it('validates server config', () => {
    expect(() => parseServerConfig({})).toThrow(/tenants must have at least one tenant/);
    expect(() => parseServerConfig({ tenants: { t: { app_id: 'x', subscription_id: 's' } } })).toThrow(
      /tenants "t" must set app_id and app_secret together/,
    );
    expect(() => parseServerConfig({ tenants: { t: { app_id: 'x', app_secret: 'y' } } })).toThrow(
      /tenants "t".subscription_id is required with app_id and app_secret/,
    );
    expect(() =>
      parseServerConfig({ tenants: { t: {} }, endpoint_ca_bundle_path: '/nonexistent/ca.pem' }),
    ).toThrow(/plugin_data.endpoint_ca_bundle_path cannot be read/);
    expect(() => parseServerConfig({ tenants: { t: { bogus: 1 } } })).toThrow(
      /unknown configuration detected: section "azure_msi tenant": keys bogus/,
    );
    expect(() => parseServerConfig({ tenants: { t: {} }, authority_host: 'ftp://x' })).toThrow(
      /authority_host must be an http/,
    );
  });
});
