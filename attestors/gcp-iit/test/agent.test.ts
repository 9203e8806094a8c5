import { PermissionDeniedError, UnavailableError } from '@lanyard/base';
import { parseServerConfig } from '../src';
import { type GcpWorld, agentPayload, decodeClaims, startWorld } from './helpers';

let world: GcpWorld;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => world.stop());

describe('gcp_iit agent half over the fake metadata server', () => {
  it('requests a full-format token for the SPIRE audience with Metadata-Flavor: Google', async () => {
    const token = await agentPayload(world);
    const [req] = world.metadata.requests;
    expect(req.path).toBe('/computeMetadata/v1/instance/service-accounts/default/identity');
    expect(req.headers['metadata-flavor']).toBe('Google');
    expect(decodeClaims(token)).toMatchObject({
      aud: 'spire-gcp-node-attestor',
      google: { compute_engine: { instance_name: 'web-1' } },
    });
  });

  it('the fake refuses requests without Metadata-Flavor like GCE does', async () => {
    const res = await fetch(
      `${world.metadata.url}/computeMetadata/v1/instance/service-accounts/default/identity?audience=x`,
    );
    expect(res.status).toBe(403);
  });

  it('reports an unknown service account as PermissionDenied', async () => {
    await expect(agentPayload(world, { service_account: 'nobody@example.com' })).rejects.toThrow(
      PermissionDeniedError,
    );
  });

  it('gives up with a clear message when the metadata server is down', async () => {
    await world.metadata.stop();
    await expect(agentPayload(world)).rejects.toThrow(UnavailableError);
  });

  it('gives up after bounded retries when the metadata server is slow', async () => {
    world.metadata.setDelay(1000);
    await expect(agentPayload(world)).rejects.toThrow(
      /gcp_iit: identity token: .* failed after 2 attempts: no answer within 300ms/,
    );
  });

  it('rejects unknown agent keys', async () => {
    await expect(agentPayload(world, { identity_token_hosts: 'x' })).rejects.toThrow(
      /unknown configuration detected: section "gcp_iit plugin_data": keys identity_token_hosts/,
    );
  });

  it('server config requires projectid_allow_list and rejects unknown keys', () => {
    expect(() => parseServerConfig({})).toThrow(/projectid_allow_list is required/);
    expect(() => parseServerConfig({ projectid_allow_list: ['p'], projectid_allowlist: ['p'] })).toThrow(
      /unknown configuration detected: section "gcp_iit plugin_data": keys projectid_allowlist/,
    );
    expect(() =>
      parseServerConfig({ projectid_allow_list: ['p'], service_account_file: '/nonexistent' }),
    ).toThrow(/service_account_file cannot be read/);
  });
});
