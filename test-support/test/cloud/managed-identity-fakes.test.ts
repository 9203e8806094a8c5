import https from 'node:https';
import { createPublicKey } from 'node:crypto';
import { compactVerify, decodeJwt } from 'jose';
import {
  FakeAppServiceIdentity,
  FakeAwsStsCallerIdentity,
  FakeAzureApis,
  FakeGcpMetadata,
  type SignedStsRequest,
  createSigningIdentity,
  signGetCallerIdentity,
} from '../../src';

const ROLE = 'arn:aws:iam::123456789012:role/app/reader';

function send(
  sts: FakeAwsStsCallerIdentity,
  proof: SignedStsRequest,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      proof.url,
      { method: proof.method, headers: proof.headers, ca: sts.caPem },
      (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    req.end(proof.body);
  });
}

describe('FakeAwsStsCallerIdentity', () => {
  let sts: FakeAwsStsCallerIdentity;
  beforeEach(async () => {
    sts = new FakeAwsStsCallerIdentity();
    await sts.start();
  });
  afterEach(() => sts.stop());

  it('answers GetCallerIdentity for a request signed by the AWS signer', async () => {
    const creds = sts.assumedRoleSession(ROLE, 'i-0abc');
    const proof = await signGetCallerIdentity(creds, {
      stsUrl: sts.url,
      headers: { 'x-lanyard-server-id': 's1' },
    });
    expect(proof.headers.authorization).toContain('x-lanyard-server-id');
    const res = await send(sts, proof);
    expect(res.status).toBe(200);
    expect(res.body).toContain('<Arn>arn:aws:sts::123456789012:assumed-role/reader/i-0abc</Arn>');
    expect(res.body).toContain('<Account>123456789012</Account>');
  });

  it('reports IAM users by their user ARN', async () => {
    const creds = sts.iamUser('arn:aws:iam::123456789012:user/ci');
    const res = await send(sts, await signGetCallerIdentity(creds, { stsUrl: sts.url }));
    expect(res.body).toContain('<Arn>arn:aws:iam::123456789012:user/ci</Arn>');
  });

  it('refuses a tampered signed header, unknown keys and stale signatures', async () => {
    const creds = sts.assumedRoleSession(ROLE, 's');
    const proof = await signGetCallerIdentity(creds, {
      stsUrl: sts.url,
      headers: { 'x-lanyard-server-id': 's1' },
    });
    const tampered = await send(sts, {
      ...proof,
      headers: { ...proof.headers, 'x-lanyard-server-id': 's2' },
    });
    expect(tampered.status).toBe(403);
    expect(tampered.body).toContain('SignatureDoesNotMatch');
    const unknown = await send(
      sts,
      await signGetCallerIdentity({ ...creds, accessKeyId: 'ASIAUNKNOWN' }, { stsUrl: sts.url }),
    );
    expect(unknown.status).toBe(403);
    const stale = await send(
      sts,
      await signGetCallerIdentity(creds, {
        stsUrl: sts.url,
        signingDate: new Date(Date.now() - 20 * 60_000),
      }),
    );
    expect(stale.status).toBe(403);
    expect(stale.body).toContain('Signature expired');
    expect(sts.answered).toHaveLength(0);
  });
});

describe('FakeAppServiceIdentity', () => {
  let apis: FakeAzureApis;
  let appService: FakeAppServiceIdentity;
  beforeEach(async () => {
    apis = await FakeAzureApis.create();
    await apis.start();
    appService = new FakeAppServiceIdentity(apis);
    await appService.start();
  });
  afterEach(async () => {
    await appService.stop();
    await apis.stop();
  });

  const get = (query: string, header?: string): Promise<Response> =>
    fetch(`${appService.endpoint}?${query}`, { headers: header ? { 'x-identity-header': header } : {} });

  it('mints v1 and v2 tokens the tenant discovery keys verify', async () => {
    const res = await get('resource=api://lanyard&api-version=2019-08-01', appService.identityHeader);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; client_id: string };
    expect(body.client_id).toBe(appService.identity.clientId);
    const discovery = (await (
      await fetch(`${apis.url}/${appService.identity.tenantId}/v2.0/.well-known/openid-configuration`)
    ).json()) as { jwks_uri: string; issuer: string };
    expect(discovery.issuer).toBe(`https://login.microsoftonline.com/${appService.identity.tenantId}/v2.0`);
    const jwks = (await (await fetch(discovery.jwks_uri)).json()) as { keys: Record<string, string>[] };
    const key = createPublicKey({ key: jwks.keys[0], format: 'jwk' });
    await expect(compactVerify(body.access_token, key)).resolves.toBeDefined();
    expect(decodeJwt(body.access_token)).toMatchObject({
      aud: 'api://lanyard',
      iss: `https://sts.windows.net/${appService.identity.tenantId}/`,
      oid: appService.identity.principalId,
    });
    appService.tokenVersion = '2.0';
    const v2 = (await (
      await get('resource=api://lanyard&api-version=2019-08-01', appService.identityHeader)
    ).json()) as { access_token: string };
    expect(decodeJwt(v2.access_token).iss).toBe(discovery.issuer);
  });

  it('refuses a missing or wrong identity header', async () => {
    expect((await get('resource=r&api-version=2019-08-01')).status).toBe(400);
    expect((await get('resource=r&api-version=2019-08-01', 'nope')).status).toBe(401);
    expect((await get('api-version=2019-08-01', appService.identityHeader)).status).toBe(400);
  });
});

it('FakeGcpMetadata leaves out compute_engine claims on serverless platforms', async () => {
  const metadata = new FakeGcpMetadata(await createSigningIdentity({ commonName: 'google' }));
  await metadata.start();
  try {
    metadata.platform = 'serverless';
    const res = await fetch(
      `${metadata.url}/computeMetadata/v1/instance/service-accounts/default/identity?audience=a&format=full`,
      { headers: { 'metadata-flavor': 'Google' } },
    );
    const claims = decodeJwt(await res.text());
    expect(claims.email).toBe(metadata.identity.serviceAccountEmail);
    expect(claims.google).toBeUndefined();
  } finally {
    await metadata.stop();
  }
});
