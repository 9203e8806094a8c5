import { FakeGcpFederation, FakeOidcIssuer, type JwtSvidClaimsOptions } from '../../src';

const POOL = 'projects/123456/locations/global/workloadIdentityPools/lanyard';
const PROVIDER = `${POOL}/providers/prod`;
const AUDIENCE = `//iam.googleapis.com/${PROVIDER}`;
const SPIFFE_ID = 'spiffe://prod.example.org/ns/pay/sa/api';
const SA = 'pay@proj.iam.gserviceaccount.com';

let issuer: FakeOidcIssuer;
let gcp: FakeGcpFederation;

beforeEach(async () => {
  issuer = new FakeOidcIssuer();
  await issuer.start();
  gcp = new FakeGcpFederation();
  await gcp.start();
  gcp.addProvider({
    name: PROVIDER,
    issuerUri: issuer.issuer,
    attributeCondition: { subjectEquals: SPIFFE_ID },
  });
  gcp.addServiceAccount({
    email: SA,
    workloadIdentityUsers: [`principal://iam.googleapis.com/${POOL}/subject/${SPIFFE_ID}`],
  });
});
afterEach(async () => {
  await gcp.stop();
  await issuer.stop();
});

async function post(
  url: string,
  body: string,
  headers: Record<string, string>,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', body, headers });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function exchange(subjectToken: string, extra: Record<string, string> = {}): ReturnType<typeof post> {
  const form = new URLSearchParams({
    grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
    audience: AUDIENCE,
    scope: 'https://www.googleapis.com/auth/cloud-platform',
    requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    subject_token: subjectToken,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    ...extra,
  });
  return post(gcp.tokenUrl, form.toString(), { 'content-type': 'application/x-www-form-urlencoded' });
}

function impersonate(
  bearer: string,
  body: unknown = { scope: ['https://www.googleapis.com/auth/cloud-platform'], lifetime: '3600s' },
): ReturnType<typeof post> {
  return post(gcp.impersonationUrl(SA), JSON.stringify(body), {
    authorization: `Bearer ${bearer}`,
    'content-type': 'application/json',
  });
}

const mint = (overrides: Partial<JwtSvidClaimsOptions> = {}): string =>
  issuer.mint({ spiffeId: SPIFFE_ID, audience: AUDIENCE, ...overrides });

test('a token for the provider exchanges for a federated token that impersonates the bound service account', async () => {
  const sts = await exchange(mint());
  expect(sts.status).toBe(200);
  expect(sts.json).toEqual({
    access_token: expect.stringMatching(/^ya29\./),
    issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    token_type: 'Bearer',
    expires_in: expect.any(Number),
  });
  const sa = await impersonate(String(sts.json.access_token));
  expect(sa.status).toBe(200);
  expect(sa.json).toEqual({
    accessToken: expect.stringMatching(/^ya29\./),
    expireTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
  });
  expect(gcp.issued.map((t) => [t.kind, t.principal])).toEqual([
    ['federated', `principal://iam.googleapis.com/${POOL}/subject/${SPIFFE_ID}`],
    ['service-account', SA],
  ]);
});

test('the https: form of the audience is accepted, and allowedAudiences replaces the default', async () => {
  expect((await exchange(mint({ audience: `https://iam.googleapis.com/${PROVIDER}` }))).status).toBe(200);
  gcp.addProvider({ name: PROVIDER, issuerUri: issuer.issuer, allowedAudiences: ['lanyard-gcp'] });
  expect((await exchange(mint({ audience: 'lanyard-gcp' }))).status).toBe(200);
  expect((await exchange(mint())).json.error).toBe('invalid_grant');
});

test.each<[string, string, Partial<JwtSvidClaimsOptions>]>([
  [
    'another SPIFFE ID (attribute condition)',
    'unauthorized_client',
    { spiffeId: 'spiffe://prod.example.org/ns/pay/sa/other' },
  ],
  ['another audience', 'invalid_grant', { audience: 'sts.amazonaws.com' }],
  ['another issuer', 'invalid_grant', { claims: { iss: 'https://other.example.org' } }],
  ['an expired token', 'invalid_grant', { nowSeconds: Math.floor(Date.now() / 1000) - 3600 }],
  ['a token living over 24 h', 'invalid_grant', { ttlSeconds: 25 * 3600 }],
  ['an unknown kid', 'invalid_grant', { header: { kid: 'missing' } }],
])('%s is refused with %s', async (_name, error, overrides) => {
  const { status, json } = await exchange(mint(overrides));
  expect([status, json.error]).toEqual([400, error]);
  expect(json.error_description).toEqual(expect.any(String));
  expect(gcp.issued).toEqual([]);
});

test('a prefix condition admits IDs under the prefix only', async () => {
  gcp.addProvider({
    name: PROVIDER,
    issuerUri: issuer.issuer,
    attributeCondition: { subjectPrefix: 'spiffe://prod.example.org/ns/pay/' },
  });
  expect((await exchange(mint())).status).toBe(200);
  expect((await exchange(mint({ spiffeId: 'spiffe://prod.example.org/ns/web/sa/api' }))).json.error).toBe(
    'unauthorized_client',
  );
});

test('a malformed or unknown audience and wrong token types are refused', async () => {
  expect((await exchange(mint(), { audience: 'prod' })).json.error).toBe('invalid_request');
  expect(
    (await exchange(mint(), { audience: `//iam.googleapis.com/${POOL}/providers/nope` })).json.error,
  ).toBe('invalid_target');
  expect(
    (await exchange(mint(), { subject_token_type: 'urn:ietf:params:oauth:token-type:saml2' })).json.error,
  ).toBe('invalid_request');
  expect((await exchange(mint(), { grant_type: 'client_credentials' })).json.error).toBe(
    'unsupported_grant_type',
  );
});

test('impersonation needs a federated token of a bound principal and a lifetime of at most 1 h', async () => {
  expect((await impersonate('ya29.forged')).status).toBe(401);
  gcp.addServiceAccount({ email: SA, workloadIdentityUsers: [] });
  const token = String((await exchange(mint())).json.access_token);
  expect((await impersonate(token)).json).toEqual({
    error: expect.objectContaining({ code: 403, status: 'PERMISSION_DENIED' }),
  });
  gcp.addServiceAccount({
    email: SA,
    workloadIdentityUsers: [`principal://iam.googleapis.com/${POOL}/subject/${SPIFFE_ID}`],
  });
  const tooLong = await impersonate(token, {
    scope: ['https://www.googleapis.com/auth/cloud-platform'],
    lifetime: '7200s',
  });
  expect([tooLong.status, (tooLong.json.error as { status: string }).status]).toEqual([
    400,
    'INVALID_ARGUMENT',
  ]);
  expect((await impersonate(token, { lifetime: '600s' })).status).toBe(400);
});
