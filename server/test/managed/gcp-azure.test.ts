/** GCP and Azure proofs end to end: tokens from the metadata / identity fakes, keys from Google's and Entra's fakes. */
import { randomUUID } from 'node:crypto';
import { mintManagedIdentityToken, signRs256Jwt } from '@lanyard/test-support';
import { APP_ID_URI, GCP_AUDIENCE, startManagedEnv, verifyJwtSvid, type ManagedEnv } from './harness';

const JWT = '/v1/managed/jwt-svid';
let env: ManagedEnv;

const errorOf = (answer: { json: Record<string, unknown> }) =>
  answer.json.error as { code: string; message: string };

async function gcpToken(audience = GCP_AUDIENCE): Promise<string> {
  const res = await fetch(
    `${env.metadata.url}/computeMetadata/v1/instance/service-accounts/default/identity?audience=${encodeURIComponent(audience)}&format=full`,
    { headers: { 'metadata-flavor': 'Google' } },
  );
  return res.text();
}

async function azureToken(resource = APP_ID_URI): Promise<string> {
  const res = await fetch(
    `${env.appService.endpoint}?resource=${encodeURIComponent(resource)}&api-version=2019-08-01`,
    {
      headers: { 'x-identity-header': env.appService.identityHeader },
    },
  );
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  env = await startManagedEnv();
});
afterAll(() => env.stop());

describe('gcp_sa proofs', () => {
  it('issues a JWT-SVID to a registered service account, matched by email and project', async () => {
    const email = env.metadata.identity.serviceAccountEmail;
    await env.createEntry('gcp_sa', '/gcp/web', [`gcp_sa:email:${email}`, 'gcp_sa:project:my-project']);
    const answer = await env.post(JWT, {
      proof: { type: 'gcp_sa', token: await gcpToken() },
      audience: ['db'],
    });
    expect(answer.status).toBe(200);
    const [svid] = answer.json.svids as Array<{ spiffe_id: string; token: string }>;
    expect(svid.spiffe_id).toBe('spiffe://example.org/gcp/web');
    expect((await verifyJwtSvid(env, svid.token, 'db')).sub).toBe('spiffe://example.org/gcp/web');
  });

  it('takes the project from the service-account email on serverless platforms', async () => {
    env.metadata.platform = 'serverless';
    env.metadata.identity = {
      ...env.metadata.identity,
      serviceAccountEmail: 'runner@proj-two.iam.gserviceaccount.com',
    };
    try {
      await env.createEntry('gcp_sa', '/gcp/runner', ['gcp_sa:project:proj-two']);
      const answer = await env.post(JWT, {
        proof: { type: 'gcp_sa', token: await gcpToken() },
        audience: ['db'],
      });
      expect(answer.status).toBe(200);
    } finally {
      env.metadata.platform = 'compute-engine';
    }
  });

  it('refuses a token for another audience, an expired one and a stale one (401)', async () => {
    const wrong = await env.post(JWT, {
      proof: { type: 'gcp_sa', token: await gcpToken('https://other.example') },
      audience: ['db'],
    });
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong).message).toBe(
      `gcp_sa proof: token audience "https://other.example" is not ${GCP_AUDIENCE}`,
    );
    env.metadata.clockOffsetSeconds = -7200;
    const expired = await env.post(JWT, {
      proof: { type: 'gcp_sa', token: await gcpToken() },
      audience: ['db'],
    });
    env.metadata.clockOffsetSeconds = -600;
    const stale = await env.post(JWT, {
      proof: { type: 'gcp_sa', token: await gcpToken() },
      audience: ['db'],
    });
    env.metadata.clockOffsetSeconds = 0;
    expect(expired.status).toBe(401);
    expect(errorOf(expired).message).toBe('gcp_sa proof: token is expired');
    expect(stale.status).toBe(401);
    expect(errorOf(stale).message).toMatch(/gcp_sa proof: stale: token issued \d+s ago/);
  });

  it('refuses a token signed by a key Google does not publish (401)', async () => {
    const forged = signRs256Jwt(
      { ...env.google.signers[0], keyId: 'not-published' },
      {
        iss: 'https://accounts.google.com',
        aud: GCP_AUDIENCE,
        email: env.metadata.identity.serviceAccountEmail,
        email_verified: true,
        iat: Math.floor(Date.now() / 1000),
        exp: Math.floor(Date.now() / 1000) + 600,
      },
    );
    const answer = await env.post(JWT, { proof: { type: 'gcp_sa', token: forged }, audience: ['db'] });
    expect(answer.status).toBe(401);
    expect(errorOf(answer).message).toBe('gcp_sa proof: token is signed with unknown key not-published');
  });
});

describe('azure_mi proofs', () => {
  it('issues a JWT-SVID to a registered managed identity (v1 and v2 tokens)', async () => {
    const { tenantId, principalId } = env.appService.identity;
    await env.createEntry('azure_mi', '/azure/app', [
      `azure_mi:tenant:${tenantId}`,
      `azure_mi:principal:${principalId}`,
    ]);
    const v1 = await env.post(JWT, {
      proof: { type: 'azure_mi', token: await azureToken() },
      audience: ['db'],
    });
    expect(v1.status).toBe(200);
    expect((v1.json.svids as Array<{ spiffe_id: string }>)[0].spiffe_id).toBe(
      'spiffe://example.org/azure/app',
    );
    env.appService.tokenVersion = '2.0';
    const v2 = await env.post(JWT, {
      proof: { type: 'azure_mi', token: await azureToken() },
      audience: ['db'],
    });
    env.appService.tokenVersion = '1.0';
    expect(v2.status).toBe(200);
  });

  it('refuses a foreign tenant, another resource and an expired token (401)', async () => {
    const foreignTenant = randomUUID();
    const foreign = mintManagedIdentityToken(env.azure.tokenSigner, {
      tenantId: foreignTenant,
      principalId: randomUUID(),
      resource: APP_ID_URI,
      nowSeconds: Math.floor(Date.now() / 1000),
    }).accessToken;
    const tenant = await env.post(JWT, { proof: { type: 'azure_mi', token: foreign }, audience: ['db'] });
    expect(tenant.status).toBe(401);
    expect(errorOf(tenant).message).toBe(
      `azure_mi proof: tenant "${foreignTenant}" is not one of the allowed tenants`,
    );
    const other = await env.post(JWT, {
      proof: { type: 'azure_mi', token: await azureToken('api://other') },
      audience: ['db'],
    });
    expect(other.status).toBe(401);
    expect(errorOf(other).message).toBe(`azure_mi proof: token audience "api://other" is not ${APP_ID_URI}`);
    env.appService.clockOffsetSeconds = -2 * 86400;
    const expired = await env.post(JWT, {
      proof: { type: 'azure_mi', token: await azureToken() },
      audience: ['db'],
    });
    env.appService.clockOffsetSeconds = 0;
    expect(expired.status).toBe(401);
    expect(errorOf(expired).message).toBe('azure_mi proof: token is expired');
  });

  it('refuses a managed identity with no entry (403)', async () => {
    const saved = env.appService.identity;
    env.appService.identity = { ...saved, principalId: randomUUID() };
    try {
      const answer = await env.post(JWT, {
        proof: { type: 'azure_mi', token: await azureToken() },
        audience: ['db'],
      });
      expect(answer.status).toBe(403);
      expect(errorOf(answer).message).toContain(`azure_mi:principal:${env.appService.identity.principalId}`);
    } finally {
      env.appService.identity = saved;
    }
  });
});
