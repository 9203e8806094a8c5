import { formatSelector } from '@lanyard/attestor-core';
import { InvalidArgumentError, PermissionDeniedError } from '@lanyard/base';
import { FakeGcpMetadata, createSigningIdentity, signRs256Jwt } from '@lanyard/test-support';
import {
  type GcpWorld,
  agentPayload,
  decodeClaims,
  noChallenge,
  server,
  serviceAccountFile,
  startWorld,
} from './helpers';

let world: GcpWorld;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => world.stop());

const AGENT_ID = 'spiffe://example.org/spire/agent/gcp_iit/my-project/4242424242424242424';
const SA = '123456789012-compute@developer.gserviceaccount.com';

function resign(token: Buffer, edit: (claims: Record<string, unknown>) => void): Buffer {
  const claims = decodeClaims(token);
  edit(claims);
  return Buffer.from(signRs256Jwt(world.apis.signers[0], claims));
}

describe('gcp_iit agent ↔ server', () => {
  it('attests with a metadata-server identity token', async () => {
    const result = await (await server(world)).attest(await agentPayload(world), noChallenge);
    expect(result).toEqual({
      agentId: AGENT_ID,
      canReattest: false,
      selectors: [
        { type: 'gcp_iit', value: 'project-id:my-project' },
        { type: 'gcp_iit', value: 'zone:us-central1-a' },
        { type: 'gcp_iit', value: 'instance-name:web-1' },
        { type: 'gcp_iit', value: `sa:${SA}` },
      ],
    });
  });

  it('also accepts keys published as a v3 JWKS', async () => {
    const attestor = await server(world, { google_certs_url: `${world.apis.url}/oauth2/v3/certs` });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).resolves.toMatchObject({
      agentId: AGENT_ID,
    });
  });

  it('caches Google keys and refreshes them for an unknown kid after 30 s', async () => {
    const attestor = await server(world);
    await attestor.attest(await agentPayload(world), noChallenge);
    world.attested.clear();
    await attestor.attest(await agentPayload(world), noChallenge);
    const certFetches = () => world.apis.requests.filter((r) => r.path === '/oauth2/v1/certs').length;
    expect(certFetches()).toBe(1);

    const rotated = await createSigningIdentity({ commonName: 'rotated google key' });
    world.apis.signers.push(rotated);
    const rotatedMetadata = new FakeGcpMetadata(rotated);
    await rotatedMetadata.start();
    try {
      const payload = await agentPayload({ ...world, metadata: rotatedMetadata });
      await expect(attestor.attest(payload, noChallenge)).rejects.toThrow(/unknown key/);
      world.clock.now += 31_000;
      await expect(attestor.attest(payload, noChallenge)).resolves.toMatchObject({ agentId: AGENT_ID });
      expect(certFetches()).toBe(2);
    } finally {
      await rotatedMetadata.stop();
    }
  });

  it('refuses a tampered token', async () => {
    const [h, , s] = (await agentPayload(world)).toString().split('.');
    const claims = decodeClaims(await agentPayload(world));
    (claims.google as { compute_engine: { project_id: string } }).compute_engine.project_id = 'other';
    const forged = Buffer.from(`${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`);
    await expect((await server(world)).attest(forged, noChallenge)).rejects.toThrow(
      /failed to validate the identity token signature/,
    );
  });

  it('refuses a token signed by a key Google does not publish', async () => {
    const rogue = await createSigningIdentity({ commonName: 'rogue' });
    const token = Buffer.from(signRs256Jwt(rogue, decodeClaims(await agentPayload(world))));
    const attempt = (await server(world)).attest(token, noChallenge);
    await expect(attempt).rejects.toThrow(PermissionDeniedError);
    await expect(attempt).rejects.toThrow(/signed with unknown key/);
  });

  it('refuses an expired token', async () => {
    world.metadata.clockOffsetSeconds = -7200;
    await expect((await server(world)).attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /identity token has expired/,
    );
  });

  it('refuses a token that is not valid yet (beyond the 60 s leeway)', async () => {
    const token = resign(
      await agentPayload(world),
      (c) => (c.nbf = Math.floor(world.clock.now / 1000) + 600),
    );
    const attempt = (await server(world)).attest(token, noChallenge);
    await expect(attempt).rejects.toThrow(PermissionDeniedError);
    await expect(attempt).rejects.toThrow(/identity token is not valid yet/);
  });

  it('refuses a token for another audience', async () => {
    const token = resign(await agentPayload(world), (c) => (c.aud = 'https://example.com'));
    await expect((await server(world)).attest(token, noChallenge)).rejects.toThrow(
      /audience "https:\/\/example.com" does not include spire-gcp-node-attestor/,
    );
  });

  it('refuses a token not issued by Google', async () => {
    const token = resign(await agentPayload(world), (c) => (c.iss = 'https://evil.example'));
    await expect((await server(world)).attest(token, noChallenge)).rejects.toThrow(/issuer .* is not Google/);
  });

  it('refuses a project outside projectid_allow_list', async () => {
    const attestor = await server(world, { projectid_allow_list: ['other-project'] });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /project ID "my-project" is not in the allow list/,
    );
  });

  it('refuses a second attestation of the same instance (TOFU)', async () => {
    world.attested.add(AGENT_ID);
    await expect((await server(world)).attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /already been used to attest an agent/,
    );
  });

  it.each([
    ['non-JWT', Buffer.from('{"not":"a jwt"}'), /not a compact JWT/],
    ['oversized', Buffer.alloc(20_000, 0x61), /more than the 16384 allowed/],
    ['empty', Buffer.alloc(0), /missing attestation payload/],
    [
      'alg none',
      Buffer.from(`${Buffer.from('{"alg":"none"}').toString('base64url')}.e30.`),
      /alg "none" is not RS256/,
    ],
    ['garbage header', Buffer.from('!!.e30.sig'), /header is not a JSON object/],
    [
      'HS256',
      Buffer.from(`${Buffer.from('{"alg":"HS256","kid":"k"}').toString('base64url')}.e30.c2ln`),
      /alg "HS256" is not RS256/,
    ],
    [
      'kid-less',
      Buffer.from(`${Buffer.from('{"alg":"RS256"}').toString('base64url')}.e30.c2ln`),
      /header has no kid/,
    ],
  ])('refuses a %s payload with InvalidArgument', async (_name, payload, reason) => {
    const attempt = (await server(world)).attest(payload, noChallenge);
    await expect(attempt).rejects.toThrow(InvalidArgumentError);
    await expect(attempt).rejects.toThrow(reason);
  });

  it('refuses a format=standard token without compute_engine claims', async () => {
    const token = resign(await agentPayload(world), (c) => delete c.google);
    await expect((await server(world)).attest(token, noChallenge)).rejects.toThrow(
      /no google.compute_engine claims/,
    );
  });

  it('adds tag, allowed label and allowed metadata selectors with use_instance_metadata', async () => {
    const attestor = await server(world, {
      use_instance_metadata: true,
      service_account_file: await serviceAccountFile(world),
      allowed_label_keys: ['team'],
      allowed_metadata_keys: ['role'],
    });
    const result = await attestor.attest(await agentPayload(world), noChallenge);
    expect(result.selectors.map(formatSelector).slice(4)).toEqual([
      'gcp_iit:tag:http-server',
      'gcp_iit:tag:web',
      'gcp_iit:label:team:payments',
      'gcp_iit:metadata:role:frontend',
    ]);
    // The key signs its own scoped JWT (no token exchange), which the fake verifies against the key file's key.
    expect(world.apis.computeCallers).toEqual([
      { kind: 'self-signed-jwt', email: 'spire-server@my-project.iam.gserviceaccount.com' },
    ]);
    expect(world.apis.requests.map((r) => r.path)).not.toContain('/token');
  });

  it('refuses metadata values above max_metadata_value_size', async () => {
    const attestor = await server(world, {
      use_instance_metadata: true,
      service_account_file: await serviceAccountFile(world),
      allowed_metadata_keys: ['role'],
      max_metadata_value_size: 4,
    });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /metadata "role" exceeded value limit \(8 > 4\)/,
    );
  });

  it('gets the Compute access token from the metadata server without a service_account_file', async () => {
    const previous = process.env.GCE_METADATA_HOST;
    process.env.GCE_METADATA_HOST = world.metadata.host;
    try {
      const attestor = await server(world, { use_instance_metadata: true });
      const result = await attestor.attest(await agentPayload(world), noChallenge);
      expect(result.selectors.map(formatSelector)).toContain('gcp_iit:tag:web');
      expect(world.apis.computeCallers).toEqual([{ kind: 'access-token' }]);
      expect(world.metadata.requests.map((r) => r.path)).toContain(
        '/computeMetadata/v1/instance/service-accounts/default/token',
      );
    } finally {
      if (previous === undefined) delete process.env.GCE_METADATA_HOST;
      else process.env.GCE_METADATA_HOST = previous;
    }
  });

  it('renders agent_path_template with the instance and service account', async () => {
    const attestor = await server(world, {
      agent_path_template: '/{{ .PluginName }}/{{ .Zone }}/{{ .InstanceName }}/{{ .ServiceAccount }}',
    });
    const result = await attestor.attest(await agentPayload(world), noChallenge);
    expect(result.agentId).toBe(
      'spiffe://example.org/spire/agent/gcp_iit/us-central1-a/web-1/123456789012-compute_developer.gserviceaccount.com',
    );
  });
});
