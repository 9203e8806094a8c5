/** AWS proofs end to end: pre-signed GetCallerIdentity → real listener → fake STS (SigV4 checked) → SVIDs. */
import { randomUUID } from 'node:crypto';
import { signGetCallerIdentity, type FakeAwsCredentials } from '@lanyard/test-support';
import { keyAndCsr } from '../api/harness';
import { SERVER_ID, startManagedEnv, verifyJwtSvid, verifyX509Svid, type ManagedEnv } from './harness';

const ROLE = 'arn:aws:iam::123456789012:role/reader';
const JWT = '/v1/managed/jwt-svid';
const X509 = '/v1/managed/x509-svid';

let env: ManagedEnv;
let reader: FakeAwsCredentials;

const proof = async (
  creds: FakeAwsCredentials,
  options: Parameters<typeof signGetCallerIdentity>[1] = {},
) => ({
  type: 'aws_iam',
  ...(await signGetCallerIdentity(creds, {
    stsUrl: env.sts.url,
    // Two proofs signed in the same second are byte-identical (a replay); a signed nonce keeps them apart.
    headers: { 'x-lanyard-server-id': SERVER_ID, 'x-lanyard-nonce': randomUUID() },
    ...options,
  })),
});
const errorOf = (answer: { json: Record<string, unknown> }) =>
  answer.json.error as { code: string; message: string };

beforeAll(async () => {
  env = await startManagedEnv();
  reader = env.sts.assumedRoleSession(ROLE, 'i-0123456789abcdef0');
  await env.createEntry('aws_iam', '/aws/reader', [`aws_iam:role:${ROLE}`]);
});
afterAll(() => env.stop());

describe('aws_iam proofs', () => {
  it('issues a JWT-SVID verifiable with the served bundle to a registered role', async () => {
    const answer = await env.post(JWT, { proof: await proof(reader), audience: ['db'] });
    expect(answer.status).toBe(200);
    const svids = answer.json.svids as Array<{ spiffe_id: string; token: string; expires_at: number }>;
    expect(svids.map((s) => s.spiffe_id)).toEqual(['spiffe://example.org/aws/reader']);
    const claims = await verifyJwtSvid(env, svids[0].token, 'db');
    expect(claims.sub).toBe('spiffe://example.org/aws/reader');
    expect(claims.exp).toBe(svids[0].expires_at);
    const minted = (await env.events()).filter((e) => e.event === 'jwt_svid_minted');
    expect(minted.at(-1)).toMatchObject({
      spiffe_id: 'spiffe://example.org/aws/reader',
      managed_cloud: 'aws_iam',
      caller_principal: ROLE,
      caller_selectors: ['aws_iam:account:123456789012', `aws_iam:role:${ROLE}`],
    });
  });

  it('issues an X.509-SVID for the caller-generated key that chains to the returned bundle', async () => {
    const { key, csr } = keyAndCsr();
    const answer = await env.post(X509, { proof: await proof(reader), csr: csr.toString('base64') });
    expect(answer.status).toBe(200);
    const { svids, bundle } = answer.json as {
      svids: Array<{ spiffe_id: string; cert_chain: string[] }>;
      bundle: { trust_domain: string; x509_authorities: string[] };
    };
    expect(bundle.trust_domain).toBe('example.org');
    const leaf = verifyX509Svid(svids[0].cert_chain, bundle.x509_authorities);
    expect(leaf.subjectAltName).toBe('URI:spiffe://example.org/aws/reader');
    expect(leaf.publicKey.export({ type: 'spki', format: 'der' })).toEqual(
      key.publicKey.export({ type: 'spki', format: 'der' }),
    );
    const issued = (await env.events()).filter((e) => e.event === 'x509_svid_issued');
    expect(issued.at(-1)).toMatchObject({
      spiffe_id: 'spiffe://example.org/aws/reader',
      caller_principal: ROLE,
    });
  });

  it('refuses a role with no entry (403) and records the denial', async () => {
    const other = env.sts.assumedRoleSession('arn:aws:iam::123456789012:role/writer', 's');
    const answer = await env.post(JWT, { proof: await proof(other), audience: ['db'] });
    expect(answer.status).toBe(403);
    expect(errorOf(answer)).toEqual({
      code: 'PERMISSION_DENIED',
      message: expect.stringContaining(
        'no registration entry under spiffe://example.org/spire/managed/aws_iam matches',
      ),
    });
    expect(errorOf(answer).message).toContain('aws_iam:role:arn:aws:iam::123456789012:role/writer');
    const denied = (await env.events()).filter((e) => e.event === 'managed_workload_denied');
    expect(denied.at(-1)).toMatchObject({
      status_code: 7,
      caller_principal: 'arn:aws:iam::123456789012:role/writer',
      endpoint: 'jwt-svid',
    });
  });

  it('refuses a spiffe_id the caller is not registered for (403)', async () => {
    const answer = await env.post(JWT, {
      proof: await proof(reader),
      audience: ['db'],
      spiffe_id: 'spiffe://example.org/other',
    });
    expect(answer.status).toBe(403);
    expect(errorOf(answer).message).toContain('spiffe_id spiffe://example.org/other is not registered');
  });

  it('matches IAM users by their user ARN', async () => {
    const user = env.sts.iamUser('arn:aws:iam::123456789012:user/ci');
    await env.createEntry('aws_iam', '/aws/ci', ['aws_iam:user:arn:aws:iam::123456789012:user/ci']);
    const answer = await env.post(JWT, { proof: await proof(user), audience: ['db'] });
    expect(answer.status).toBe(200);
  });

  it('refuses a replayed proof without asking STS again (401)', async () => {
    const once = await proof(reader);
    expect((await env.post(JWT, { proof: once, audience: ['db'] })).status).toBe(200);
    const answered = env.sts.answered.length;
    const again = await env.post(JWT, { proof: once, audience: ['db'] });
    expect(again.status).toBe(401);
    expect(errorOf(again)).toEqual({ code: 'UNAUTHENTICATED', message: expect.stringContaining('replayed') });
    expect(env.sts.answered).toHaveLength(answered);
  });

  it('refuses a stale x-amz-date (401) and one from the future', async () => {
    const stale = await env.post(JWT, {
      proof: await proof(reader, { signingDate: new Date(Date.now() - 6 * 60_000) }),
      audience: ['db'],
    });
    expect(stale.status).toBe(401);
    expect(errorOf(stale).message).toMatch(
      /aws_iam proof: stale: signed \d+s ago, more than the 300s allowed/,
    );
    const future = await env.post(JWT, {
      proof: await proof(reader, { signingDate: new Date(Date.now() + 10 * 60_000) }),
      audience: ['db'],
    });
    expect(future.status).toBe(401);
    expect(errorOf(future).message).toContain('in the future');
  });

  it('refuses another server ID, and a server ID header added after signing (401)', async () => {
    const wrong = await env.post(JWT, {
      proof: await proof(reader, { headers: { 'x-lanyard-server-id': 'other-service' } }),
      audience: ['db'],
    });
    expect(wrong.status).toBe(401);
    expect(errorOf(wrong).message).toContain(
      'x-lanyard-server-id "other-service" does not match this server',
    );
    const unsigned = await proof(reader, { headers: {} });
    unsigned.headers['x-lanyard-server-id'] = SERVER_ID;
    const answer = await env.post(JWT, { proof: unsigned, audience: ['db'] });
    expect(answer.status).toBe(401);
    expect(errorOf(answer).message).toContain('header x-lanyard-server-id is not signed');
  });

  it('refuses a request for another endpoint or action, and one STS rejects (401)', async () => {
    const elsewhere = await env.post(JWT, {
      proof: await proof(reader, { stsUrl: 'https://sts.amazonaws.com' }),
      audience: ['db'],
    });
    expect(elsewhere.status).toBe(401);
    expect(errorOf(elsewhere).message).toContain("not this server's STS endpoint");
    const action = await env.post(JWT, {
      proof: await proof(reader, { body: 'Action=AssumeRole&Version=2011-06-15' }),
      audience: ['db'],
    });
    expect(action.status).toBe(400);
    expect(errorOf(action).message).toContain('body must be exactly Action=GetCallerIdentity');
    const forged = await env.post(JWT, {
      proof: await proof({ ...reader, secretAccessKey: 'not-the-secret' }),
      audience: ['db'],
    });
    expect(forged.status).toBe(401);
    expect(errorOf(forged).message).toContain('aws_iam proof refused by sts: SignatureDoesNotMatch');
  });
});
