import {
  FakeAwsStsWebIdentity,
  FakeOidcIssuer,
  type JwtSvidClaimsOptions,
  TestJwtKey,
  oidcProviderKey,
} from '../../src';

const ROLE = 'arn:aws:iam::111122223333:role/pay-api';
const SPIFFE_ID = 'spiffe://prod.example.org/ns/pay/sa/api';

let issuer: FakeOidcIssuer;
let sts: FakeAwsStsWebIdentity;

beforeEach(async () => {
  issuer = new FakeOidcIssuer();
  await issuer.start();
  sts = new FakeAwsStsWebIdentity();
  await sts.start();
  const providerArn = sts.addOidcProvider({ url: issuer.issuer, clientIds: ['sts.amazonaws.com'] });
  const p = oidcProviderKey(issuer.issuer);
  sts.addRole({
    roleArn: ROLE,
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: providerArn },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${p}:aud`]: 'sts.amazonaws.com', [`${p}:sub`]: SPIFFE_ID } },
        },
      ],
    },
  });
});
afterEach(async () => {
  await sts.stop();
  await issuer.stop();
});

async function assume(
  token: string,
  extra: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const form = new URLSearchParams({
    Action: 'AssumeRoleWithWebIdentity',
    Version: '2011-06-15',
    RoleArn: ROLE,
    RoleSessionName: 'lanyard-test',
    WebIdentityToken: token,
    ...extra,
  });
  const response = await fetch(`${sts.url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body: form.toString(),
  });
  return { status: response.status, body: await response.text() };
}

function errorCode(body: string): string | undefined {
  return /<Code>([^<]+)<\/Code>/.exec(body)?.[1];
}

const good = (): string => issuer.mint({ spiffeId: SPIFFE_ID, audience: 'sts.amazonaws.com' });

test('a token from the trusted issuer with the pinned aud and sub gets credentials', async () => {
  const { status, body } = await assume(good());
  expect(status).toBe(200);
  expect(body).toContain(`<SubjectFromWebIdentityToken>${SPIFFE_ID}</SubjectFromWebIdentityToken>`);
  expect(body).toMatch(/<AccessKeyId>ASIA[0-9A-F]{16}<\/AccessKeyId>/);
  expect(body).toMatch(/<Expiration>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ<\/Expiration>/);
  expect(sts.issued).toEqual([
    expect.objectContaining({ roleArn: ROLE, subject: SPIFFE_ID, sessionName: 'lanyard-test' }),
  ]);
  expect(issuer.requests.map((r) => r.path)).toEqual(['/.well-known/openid-configuration', '/keys']);
});

test('an ES256 token is accepted too, and an audience array is matched by any member', async () => {
  issuer.keys = [new TestJwtKey('ec-key', 'ec-p256')];
  const token = issuer.mint({ spiffeId: SPIFFE_ID, audience: ['other', 'sts.amazonaws.com'] });
  expect((await assume(token)).status).toBe(200);
});

test.each<[string, string, number, Partial<JwtSvidClaimsOptions>]>([
  [
    'another SPIFFE ID (trust policy)',
    'AccessDenied',
    403,
    { spiffeId: 'spiffe://prod.example.org/ns/pay/sa/other' },
  ],
  ['an audience not in the client-ID list', 'InvalidIdentityToken', 400, { audience: 'sts.example.com' }],
  ['an untrusted issuer', 'InvalidIdentityToken', 400, { claims: { iss: 'https://evil.example.org' } }],
  ['an expired token', 'ExpiredTokenException', 400, { nowSeconds: Math.floor(Date.now() / 1000) - 3600 }],
  [
    'a token not yet valid',
    'InvalidIdentityToken',
    400,
    { claims: { nbf: Math.floor(Date.now() / 1000) + 600 } },
  ],
  ['an unknown kid', 'InvalidIdentityToken', 400, { header: { kid: 'nope' } }],
  ['alg none', 'InvalidIdentityToken', 400, { header: { alg: 'none' } }],
])('%s is refused with %s', async (_name, code, status, overrides) => {
  const token = issuer.mint({ spiffeId: SPIFFE_ID, audience: 'sts.amazonaws.com', ...overrides });
  const answer = await assume(token);
  expect([answer.status, errorCode(answer.body)]).toEqual([status, code]);
  expect(answer.body).toMatch(
    /^<ErrorResponse xmlns="https:\/\/sts.amazonaws.com\/doc\/2011-06-15\/"><Error><Type>Sender<\/Type>/,
  );
  expect(sts.issued).toEqual([]);
});

test('a signature by a key that is not the published one is refused', async () => {
  const forger = new TestJwtKey(issuer.keys[0].kid, 'rsa-2048');
  const token = issuer.mint({ spiffeId: SPIFFE_ID, audience: 'sts.amazonaws.com' }, forger);
  const answer = await assume(token);
  expect(errorCode(answer.body)).toBe('InvalidIdentityToken');
});

test('an unreachable issuer is IDPCommunicationError', async () => {
  const token = good();
  await issuer.stop();
  const answer = await assume(token);
  expect([answer.status, errorCode(answer.body)]).toEqual([400, 'IDPCommunicationError']);
});

test.each([
  ['a SPIFFE ID as session name', { RoleSessionName: SPIFFE_ID }],
  ['a duration below 900 s', { DurationSeconds: '60' }],
  ['a duration above the role maximum', { DurationSeconds: '7200' }],
  ['a short role ARN', { RoleArn: 'arn:x' }],
])('%s is a ValidationError', async (_name, extra) => {
  const answer = await assume(good(), extra);
  expect([answer.status, errorCode(answer.body)]).toEqual([400, 'ValidationError']);
});

test('an unknown action is InvalidAction', async () => {
  const answer = await assume(good(), { Action: 'AssumeRole' });
  expect(errorCode(answer.body)).toBe('InvalidAction');
});

test('StringLike on sub allows a matching pattern and an explicit Deny wins', async () => {
  const p = oidcProviderKey(issuer.issuer);
  const federated = sts.providerArn(issuer.issuer);
  sts.addRole({
    roleArn: ROLE,
    trustPolicy: {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Federated: federated },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            StringEquals: { [`${p}:aud`]: 'sts.amazonaws.com' },
            StringLike: { [`${p}:sub`]: 'spiffe://prod.example.org/ns/pay/*' },
          },
        },
        {
          Effect: 'Deny',
          Principal: { Federated: federated },
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: { StringEquals: { [`${p}:sub`]: 'spiffe://prod.example.org/ns/pay/sa/banned' } },
        },
      ],
    },
  });
  expect((await assume(good())).status).toBe(200);
  const banned = issuer.mint({
    spiffeId: 'spiffe://prod.example.org/ns/pay/sa/banned',
    audience: 'sts.amazonaws.com',
  });
  expect(errorCode((await assume(banned)).body)).toBe('AccessDenied');
  const outside = issuer.mint({
    spiffeId: 'spiffe://prod.example.org/ns/web/sa/api',
    audience: 'sts.amazonaws.com',
  });
  expect(errorCode((await assume(outside)).body)).toBe('AccessDenied');
});
