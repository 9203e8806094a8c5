import https from 'node:https';
import { FakeEntraId, FakeOidcIssuer, type JwtSvidClaimsOptions, TestJwtKey } from '../../src';

const CLIENT_ID = '00000000-0000-0000-0000-00000000c11e';
const SPIFFE_ID = 'spiffe://prod.example.org/ns/pay/sa/api';
const AUDIENCE = 'api://AzureADTokenExchange';

let issuer: FakeOidcIssuer;
let entra: FakeEntraId;

beforeEach(async () => {
  issuer = new FakeOidcIssuer();
  await issuer.start();
  entra = new FakeEntraId();
  await entra.start();
  entra.addApp({
    clientId: CLIENT_ID,
    federatedCredentials: [
      { name: 'pay-api', issuer: issuer.issuer, subject: SPIFFE_ID, audiences: [AUDIENCE] },
    ],
  });
});
afterEach(async () => {
  await entra.stop();
  await issuer.stop();
});

function request(
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      `${entra.url}${path}`,
      {
        method,
        ca: entra.caPem,
        headers: body ? { 'content-type': 'application/x-www-form-urlencoded' } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            json: JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function tokenRequest(assertion: string, extra: Record<string, string> = {}): ReturnType<typeof request> {
  const form = new URLSearchParams({
    client_id: CLIENT_ID,
    grant_type: 'client_credentials',
    scope: 'https://management.azure.com/.default',
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: assertion,
    ...extra,
  });
  return request('POST', `/${entra.tenantId}/oauth2/v2.0/token`, form.toString());
}

const mint = (overrides: Partial<JwtSvidClaimsOptions> = {}): string =>
  issuer.mint({ spiffeId: SPIFFE_ID, audience: AUDIENCE, ...overrides });

test('the tenant metadata names the token endpoint and an issuer on the same host', async () => {
  const { status, json } = await request('GET', `/${entra.tenantId}/v2.0/.well-known/openid-configuration`);
  expect(status).toBe(200);
  expect(json.token_endpoint).toBe(`${entra.url}/${entra.tenantId}/oauth2/v2.0/token`);
  expect(json.issuer).toBe(`${entra.url}/${entra.tenantId}/v2.0`);
});

test('an RSA assertion matching the FIC gets an access token', async () => {
  const { status, json } = await tokenRequest(mint());
  expect(status).toBe(200);
  expect(json).toEqual(
    expect.objectContaining({ token_type: 'Bearer', expires_in: 3599, access_token: expect.any(String) }),
  );
  expect(entra.issued).toEqual([expect.objectContaining({ clientId: CLIENT_ID, subject: SPIFFE_ID })]);
});

test.each<[string, number, string, Partial<JwtSvidClaimsOptions>]>([
  ['another issuer', 700211, 'invalid_client', { claims: { iss: 'https://other.example.org' } }],
  ['another SPIFFE ID', 700213, 'invalid_client', { spiffeId: 'spiffe://prod.example.org/ns/pay/sa/other' }],
  ['a subject differing only in case', 700213, 'invalid_client', { spiffeId: SPIFFE_ID.toUpperCase() }],
  ['another audience', 700212, 'invalid_client', { audience: 'api://other' }],
  ['an expired assertion', 700024, 'invalid_client', { nowSeconds: Math.floor(Date.now() / 1000) - 3600 }],
  ['an unknown kid', 700027, 'invalid_client', { header: { kid: 'missing' } }],
])('%s is refused with AADSTS%s', async (_name, code, error, overrides) => {
  const { status, json } = await tokenRequest(mint(overrides));
  expect(status).toBe(400);
  expect(json.error).toBe(error);
  expect(json.error_codes).toEqual([code]);
  expect(String(json.error_description)).toMatch(new RegExp(`^AADSTS${code}: `));
  expect(entra.issued).toEqual([]);
});

test('an ES256 assertion is refused with AADSTS5002738 (RSA only)', async () => {
  issuer.keys = [new TestJwtKey('ec-key', 'ec-p256')];
  const { json } = await tokenRequest(mint());
  expect(json.error_codes).toEqual([5002738]);
});

test('an unknown client, tenant, grant type or a scope without /.default is refused with its AADSTS code', async () => {
  expect((await tokenRequest(mint(), { client_id: 'nobody' })).json.error_codes).toEqual([700016]);
  expect((await tokenRequest(mint(), { grant_type: 'password' })).json.error_codes).toEqual([70003]);
  expect((await tokenRequest(mint(), { scope: 'https://management.azure.com' })).json.error_codes).toEqual([
    1002012,
  ]);
  expect(
    (await request('GET', '/other-tenant/v2.0/.well-known/openid-configuration')).json.error_codes,
  ).toEqual([90002]);
});
