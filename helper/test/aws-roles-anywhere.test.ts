import { createHash, verify, X509Certificate } from 'node:crypto';
import {
  runCli,
  startLoopback,
  startWorkload,
  WORKLOAD_ID,
  type LoopbackServer,
  type TestWorkload,
} from './helpers';

const ANCHOR = 'arn:aws:rolesanywhere:eu-west-1:111122223333:trust-anchor/a1';
const PROFILE = 'arn:aws:rolesanywhere:eu-west-1:111122223333:profile/p1';
const ROLE = 'arn:aws:iam::111122223333:role/pay-api';
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Checks the SigV4 X.509 signature independently of the helper's code, and the chain against the CA. */
function checkSignature(
  workload: TestWorkload,
  req: { headers: Record<string, unknown>; body: string },
): string | undefined {
  const auth = String(req.headers.authorization ?? '');
  const m =
    /^(AWS4-X509-(?:ECDSA|RSA)-SHA256) Credential=(\d+)\/(\d{8})\/([\w-]+)\/rolesanywhere\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=([0-9a-f]+)$/.exec(
      auth,
    );
  if (!m) return 'malformed Authorization';
  const leaf = new X509Certificate(Buffer.from(String(req.headers['x-amz-x509']), 'base64'));
  if (BigInt(`0x${leaf.serialNumber}`).toString(10) !== m[2]) return 'serial mismatch';
  if (!leaf.verify(workload.ca.certificate.x509.publicKey)) return 'chain does not verify';
  const names = m[5].split(';');
  const canonical = [
    'POST',
    '/sessions',
    '',
    names.map((n) => `${n}:${String(req.headers[n]).trim()}\n`).join(''),
    m[5],
    sha256(req.body),
  ].join('\n');
  const amzDate = String(req.headers['x-amz-date']);
  const toSign = [m[1], amzDate, `${m[3]}/${m[4]}/rolesanywhere/aws4_request`, sha256(canonical)].join('\n');
  return verify('sha256', Buffer.from(toSign), leaf.publicKey, Buffer.from(m[6], 'hex'))
    ? undefined
    : 'bad signature';
}

describe('aws roles-anywhere', () => {
  let workload: TestWorkload;
  let fake: LoopbackServer;
  beforeEach(async () => {
    workload = await startWorkload();
    fake = await startLoopback((req) => {
      const problem = checkSignature(
        workload,
        req as unknown as { headers: Record<string, unknown>; body: string },
      );
      if (problem)
        return { status: 403, contentType: 'application/json', body: JSON.stringify({ message: problem }) };
      const body = JSON.parse(req.body);
      if (body.roleArn !== ROLE)
        return {
          status: 403,
          contentType: 'application/json',
          body: JSON.stringify({ code: 'AccessDeniedException', message: 'role not in profile' }),
        };
      return {
        status: 201,
        contentType: 'application/json',
        body: JSON.stringify({
          credentialSet: [
            {
              credentials: {
                accessKeyId: 'ASIARA',
                secretAccessKey: 's',
                sessionToken: 't',
                expiration: '2099-01-01T00:00:00Z',
              },
            },
          ],
          subjectArn: 'arn:aws:rolesanywhere:eu-west-1:111122223333:subject/x',
        }),
      };
    });
  });
  afterEach(async () => {
    await fake.close();
    await workload.close();
  });

  const args = (role = ROLE): string[] => [
    'aws',
    'roles-anywhere',
    '-trustAnchorArn',
    ANCHOR,
    '-profileArn',
    PROFILE,
    '-roleArn',
    role,
    '-region',
    'eu-west-1',
    '-endpoint',
    fake.url,
    '-agentAddress',
    workload.server.address,
  ];

  test('CreateSession signed with the X.509-SVID (SigV4 X.509) prints credential_process JSON', async () => {
    const result = await runCli(args());
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      Version: 1,
      AccessKeyId: 'ASIARA',
      SecretAccessKey: 's',
      SessionToken: 't',
      Expiration: '2099-01-01T00:00:00Z',
    });
    const sent = fake.requests[0];
    expect(
      new X509Certificate(Buffer.from(String(sent.headers['x-amz-x509']), 'base64')).subjectAltName,
    ).toContain(WORKLOAD_ID);
    expect(JSON.parse(sent.body)).toEqual({ trustAnchorArn: ANCHOR, profileArn: PROFILE, roleArn: ROLE });
  });

  test('a refusal prints the service code and message, exit 1', async () => {
    const result = await runCli(args('arn:aws:iam::111122223333:role/other'));
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'lanyard-helper: aws rolesanywhere: AccessDeniedException: role not in profile\n',
    );
  });
});
