import { InvalidArgumentError, type LanyardError, UnavailableError } from '@lanyard/base';
import { TestJwtKey } from '@lanyard/test-support';
import {
  type ExternalJwtFailure,
  type ExternalJwtOptions,
  malformedReason,
  verifyExternalJwt,
} from '../src/server';

const NOW = 1_800_000_000;
const signer = new TestJwtKey('google-1', 'rsa-2048');
const ecKey = new TestJwtKey('ec-1', 'ec-p256');

/** Carries the failure as JSON so a test can read which kind was reported. */
class Refused extends InvalidArgumentError {
  constructor(readonly failure: ExternalJwtFailure) {
    super(JSON.stringify(failure));
  }
}

function options(extra: Partial<ExternalJwtOptions> = {}): ExternalJwtOptions {
  return {
    algorithms: ['RS256'],
    key: async (kid) =>
      kid === signer.kid ? signer.publicKey : kid === ecKey.kid ? ecKey.publicKey : undefined,
    clockToleranceSeconds: 60,
    nowMs: NOW * 1000,
    issuers: ['https://accounts.google.com'],
    audience: 'spire-gcp-node-attestor',
    fail: (failure): LanyardError => new Refused(failure),
    ...extra,
  };
}

function claims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: 'https://accounts.google.com',
    aud: 'spire-gcp-node-attestor',
    iat: NOW - 10,
    exp: NOW + 3600,
    sub: '1234',
    ...extra,
  };
}

async function failureOf(
  token: string,
  extra: Partial<ExternalJwtOptions> = {},
): Promise<ExternalJwtFailure> {
  try {
    await verifyExternalJwt(token, options(extra));
  } catch (error) {
    if (error instanceof Refused) return error.failure;
    throw error;
  }
  throw new Error('the token was accepted');
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('verifyExternalJwt', () => {
  it('returns the claims of a valid token, also with aud as a list and times inside the tolerance', async () => {
    await expect(verifyExternalJwt(signer.sign(claims()), options())).resolves.toMatchObject({ sub: '1234' });
    const edge = claims({
      aud: ['other', 'spire-gcp-node-attestor'],
      exp: NOW - 59,
      nbf: NOW + 59,
      iat: NOW + 59,
    });
    await expect(verifyExternalJwt(signer.sign(edge), options())).resolves.toMatchObject({ sub: '1234' });
  });

  it.each([
    ['one part', 'abc', { kind: 'malformed', part: 'token' }],
    ['four parts', 'a.b.c.d', { kind: 'malformed', part: 'token' }],
    ['a garbage header', '!!.e30.sig', { kind: 'malformed', part: 'header' }],
    ['a non-object header', `${b64([1])}.e30.sig`, { kind: 'malformed', part: 'header' }],
    [
      'alg none',
      `${b64({ alg: 'none', kid: 'google-1' })}.${b64(claims())}.`,
      { kind: 'algorithm', alg: 'none' },
    ],
    ['no alg', `${b64({ kid: 'google-1' })}.${b64(claims())}.c2ln`, { kind: 'algorithm' }],
  ])('refuses %s', async (_name, token, failure) => {
    expect(await failureOf(token)).toEqual(failure);
  });

  it('refuses algorithms outside the list, including HS256 and a correctly signed ES256 token', async () => {
    expect(await failureOf(signer.sign(claims(), { alg: 'HS256' }))).toEqual({
      kind: 'algorithm',
      alg: 'HS256',
    });
    expect(await failureOf(signer.sign(claims(), { alg: 'RS384' }))).toEqual({
      kind: 'algorithm',
      alg: 'RS384',
    });
    expect(await failureOf(ecKey.sign(claims()))).toEqual({ kind: 'algorithm', alg: 'ES256' });
  });

  it('refuses a missing or unknown kid, and a kid whose key does not fit the algorithm', async () => {
    expect(await failureOf(signer.sign(claims(), { kid: undefined }))).toEqual({ kind: 'missing-kid' });
    expect(await failureOf(signer.sign(claims(), { kid: 'rotated' }))).toEqual({
      kind: 'unknown-kid',
      kid: 'rotated',
    });
    expect(await failureOf(signer.sign(claims(), { kid: ecKey.kid }))).toEqual({ kind: 'signature' });
  });

  it('refuses a tampered payload and a foreign signature', async () => {
    const [h, , s] = signer.sign(claims()).split('.');
    expect(await failureOf(`${h}.${b64(claims({ sub: 'evil' }))}.${s}`)).toEqual({ kind: 'signature' });
    const rogue = new TestJwtKey(signer.kid, 'rsa-2048');
    expect(await failureOf(rogue.sign(claims()))).toEqual({ kind: 'signature' });
  });

  it('checks iss and aud when asked, and only then', async () => {
    expect(await failureOf(signer.sign(claims({ iss: 'https://evil' })))).toEqual({
      kind: 'issuer',
      iss: 'https://evil',
    });
    expect(await failureOf(signer.sign(claims({ iss: undefined })))).toEqual({ kind: 'issuer' });
    expect(await failureOf(signer.sign(claims({ aud: ['a', 'b'] })))).toEqual({
      kind: 'audience',
      aud: ['a', 'b'],
    });
    const loose = options({ issuers: undefined, audience: undefined });
    await expect(
      verifyExternalJwt(signer.sign(claims({ iss: 'x', aud: 'y' })), loose),
    ).resolves.toBeDefined();
  });

  it('requires exp and checks exp, nbf and iat against the clock tolerance', async () => {
    expect(await failureOf(signer.sign(claims({ exp: undefined })))).toEqual({ kind: 'missing-exp' });
    expect(await failureOf(signer.sign(claims({ exp: 'soon' })))).toEqual({ kind: 'missing-exp' });
    expect(await failureOf(signer.sign(claims({ exp: NOW - 61 })))).toEqual({ kind: 'expired' });
    expect(await failureOf(signer.sign(claims({ nbf: NOW + 61 })))).toEqual({
      kind: 'not-yet-valid',
      claim: 'nbf',
    });
    expect(await failureOf(signer.sign(claims({ iat: NOW + 61 })))).toEqual({
      kind: 'not-yet-valid',
      claim: 'iat',
    });
    expect(await failureOf(signer.sign(claims({ nbf: 'now' })))).toEqual({
      kind: 'malformed',
      part: 'claims',
      claim: 'nbf',
    });
  });

  it('refuses a signed payload that is not a JSON object', async () => {
    const header = b64({ alg: 'RS256', kid: signer.kid });
    const payload = Buffer.from('[1,2]').toString('base64url');
    const { sign } = await import('node:crypto');
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), signer.privateKey).toString(
      'base64url',
    );
    expect(await failureOf(`${header}.${payload}.${signature}`)).toEqual({
      kind: 'malformed',
      part: 'claims',
    });
  });

  it('lets errors of the key lookup through unchanged', async () => {
    const down = new UnavailableError('cannot fetch keys');
    const attempt = verifyExternalJwt(
      signer.sign(claims()),
      options({ key: async () => Promise.reject(down) }),
    );
    await expect(attempt).rejects.toBe(down);
  });

  it('words malformed failures', () => {
    expect(malformedReason({ kind: 'malformed', part: 'token' })).toBe('not a compact JWT');
    expect(malformedReason({ kind: 'malformed', part: 'header' })).toBe('header is not a JSON object');
    expect(malformedReason({ kind: 'malformed', part: 'claims', claim: 'nbf' })).toBe('claim nbf is invalid');
  });
});
