import { type KeyObject, createHash, sign } from 'node:crypto';
import { FakeRolesAnywhere, TestCa, type TestX509Svid } from '../../src';

const ANCHOR = 'arn:aws:rolesanywhere:us-east-1:111122223333:trust-anchor/ta-1';
const PROFILE = 'arn:aws:rolesanywhere:us-east-1:111122223333:profile/p-1';
const ROLE = 'arn:aws:iam::111122223333:role/pay-api';
const SPIFFE_ID = 'spiffe://prod.example.org/ns/pay/sa/api';

let ca: TestCa;
let fake: FakeRolesAnywhere;

beforeEach(async () => {
  ca = TestCa.create({ trustDomain: 'prod.example.org' });
  fake = new FakeRolesAnywhere();
  await fake.start();
  fake.addTrustAnchor({ trustAnchorArn: ANCHOR, certificates: [ca.certificate.pem] });
  fake.addProfile({ profileArn: PROFILE, roleArns: [ROLE] });
  fake.addRole({ roleArn: ROLE, allowedSanUris: [SPIFFE_ID] });
});
afterEach(() => fake.stop());

const sha256 = (data: string): string => createHash('sha256').update(data).digest('hex');

/** Signs CreateSession as the Roles Anywhere credential helper does (test-side signer). */
async function createSession(
  svid: TestX509Svid,
  body: Record<string, unknown> = { trustAnchorArn: ANCHOR, profileArn: PROFILE, roleArn: ROLE },
  tamper: { signingKey?: KeyObject; serial?: string } = {},
): Promise<{ status: number; json: Record<string, unknown>; errorType: string | null }> {
  const payload = JSON.stringify(body);
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const [leaf, ...intermediates] = svid.certificates;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    host: fake.host,
    'x-amz-date': amzDate,
    'x-amz-x509': leaf.der.toString('base64'),
  };
  if (intermediates.length > 0)
    headers['x-amz-x509-chain'] = intermediates.map((c) => c.der.toString('base64')).join(',');
  const names = Object.keys(headers).sort();
  const canonical = [
    'POST',
    '/sessions',
    '',
    names.map((n) => `${n}:${headers[n]}\n`).join(''),
    names.join(';'),
    sha256(payload),
  ].join('\n');
  const algorithm =
    leaf.publicKey.asymmetricKeyType === 'rsa' ? 'AWS4-X509-RSA-SHA256' : 'AWS4-X509-ECDSA-SHA256';
  const scope = `${date}/us-east-1/rolesanywhere/aws4_request`;
  const toSign = [algorithm, amzDate, scope, sha256(canonical)].join('\n');
  const signature = sign('sha256', Buffer.from(toSign), tamper.signingKey ?? svid.privateKey).toString('hex');
  const serial = tamper.serial ?? BigInt(`0x${leaf.x509.serialNumber}`).toString(10);
  headers.authorization = `${algorithm} Credential=${serial}/${scope}, SignedHeaders=${names.join(';')}, Signature=${signature}`;
  const { host: _host, ...sent } = headers;
  const response = await fetch(`${fake.url}/sessions`, { method: 'POST', headers: sent, body: payload });
  return {
    status: response.status,
    json: (await response.json()) as Record<string, unknown>,
    errorType: response.headers.get('x-amzn-errortype'),
  };
}

test('an X.509-SVID signing for its SPIFFE ID gets a credential set (EC and RSA keys)', async () => {
  for (const keyType of ['ec-p256', 'rsa-2048'] as const) {
    const { status, json } = await createSession(ca.issueX509Svid({ spiffeId: SPIFFE_ID, keyType }));
    expect(status).toBe(201);
    const [set] = json.credentialSet as Array<{ credentials: Record<string, string>; roleArn: string }>;
    expect(set.roleArn).toBe(ROLE);
    expect(set.credentials).toEqual({
      accessKeyId: expect.stringMatching(/^ASIA/),
      secretAccessKey: expect.any(String),
      sessionToken: expect.any(String),
      expiration: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
    });
  }
  expect(fake.issued.map((s) => s.sanUri)).toEqual([SPIFFE_ID, SPIFFE_ID]);
});

test('a chain through an intermediate sent in X-Amz-X509-Chain is accepted', async () => {
  const svid = ca.createIntermediate().issueX509Svid({ spiffeId: SPIFFE_ID });
  expect(svid.certificates.length).toBe(2);
  expect((await createSession(svid)).status).toBe(201);
});

test.each<[string, () => Promise<{ status: number; errorType: string | null }>]>([
  [
    'another SPIFFE ID',
    () => createSession(ca.issueX509Svid({ spiffeId: 'spiffe://prod.example.org/other' })),
  ],
  [
    'a certificate from another CA',
    () => createSession(TestCa.create({ trustDomain: 'evil.org' }).issueX509Svid({ spiffeId: SPIFFE_ID })),
  ],
  [
    'a signature by another key',
    () =>
      createSession(ca.issueX509Svid({ spiffeId: SPIFFE_ID }), undefined, {
        signingKey: ca.issueX509Svid({ spiffeId: SPIFFE_ID }).privateKey,
      }),
  ],
  [
    'a credential with another serial',
    () => createSession(ca.issueX509Svid({ spiffeId: SPIFFE_ID }), undefined, { serial: '12345' }),
  ],
  [
    'an expired certificate',
    () =>
      createSession(
        ca.issueX509Svid({ spiffeId: SPIFFE_ID, notBefore: new Date(Date.now() - 7200_000), ttlSeconds: 60 }),
      ),
  ],
  [
    'a role the profile does not list',
    () =>
      createSession(ca.issueX509Svid({ spiffeId: SPIFFE_ID }), {
        trustAnchorArn: ANCHOR,
        profileArn: PROFILE,
        roleArn: 'arn:aws:iam::111122223333:role/admin',
      }),
  ],
  [
    'an unknown trust anchor',
    () =>
      createSession(ca.issueX509Svid({ spiffeId: SPIFFE_ID }), {
        trustAnchorArn: `${ANCHOR}x`,
        profileArn: PROFILE,
        roleArn: ROLE,
      }),
  ],
])('%s is AccessDeniedException', async (_name, call) => {
  const { status, errorType } = await call();
  expect([status, errorType]).toEqual([403, 'AccessDeniedException']);
  expect(fake.issued).toEqual([]);
});

test('an unsigned request is refused, and a bad duration is a ValidationException', async () => {
  const unsigned = await fetch(`${fake.url}/sessions`, { method: 'POST', body: '{}' });
  expect([unsigned.status, unsigned.headers.get('x-amzn-errortype')]).toEqual([403, 'AccessDeniedException']);
  const svid = ca.issueX509Svid({ spiffeId: SPIFFE_ID });
  const bad = await createSession(svid, {
    trustAnchorArn: ANCHOR,
    profileArn: PROFILE,
    roleArn: ROLE,
    durationSeconds: 60,
  });
  expect([bad.status, bad.errorType]).toEqual([400, 'ValidationException']);
});
