import * as grpc from '@grpc/grpc-js';
import { silentLogger } from '@lanyard/attestor-core';
import type { JWTSVIDResponse__Output, ValidateJWTSVIDResponse__Output, Value__Output } from '@lanyard/proto';
import { JwtBundle, JwtSvid, TrustDomain } from '@lanyard/spiffe';
import { JwtSvidCache } from '../../src/manager/cache';
import { JwtSvidService } from '../../src/workload/jwt-svid-service';
import {
  header,
  makeEntry,
  makeTrustDomain,
  startApi,
  unary,
  workloadClient,
  type RunningApi,
} from '../workload-fixtures';

const mine = `test:uid:${process.getuid!()}`;
let api: RunningApi;
let client: ReturnType<typeof workloadClient>;

beforeEach(async () => {
  api = await startApi({ allowedForeignJwtClaims: ['tenant'] });
  client = workloadClient(api.socketPath);
  api.cache.updateEntries([
    makeEntry('e2', 'spiffe://example.org/b', [mine], { hint: 'backup' }),
    makeEntry('e1', 'spiffe://example.org/a', [mine]),
    makeEntry('x', 'spiffe://example.org/not-mine', ['test:uid:99999']),
  ]);
});

afterEach(async () => {
  client.close();
  await api.close();
});

const fetchJwt = (audience: string[], spiffe_id = '') =>
  unary<object, JWTSVIDResponse__Output>(client.FetchJWTSVID.bind(client), { audience, spiffe_id });
const validate = (svid: string, audience: string) =>
  unary<object, ValidateJWTSVIDResponse__Output>(client.ValidateJWTSVID.bind(client), { svid, audience });

async function expectStatus(promise: Promise<unknown>, code: grpc.status, details?: string | RegExp) {
  const err = (await promise.then(
    () => {
      throw new Error('expected an error status');
    },
    (e: grpc.ServiceError) => e,
  )) as grpc.ServiceError;
  expect(err.code).toBe(code);
  if (typeof details === 'string') expect(err.details).toBe(details);
  else if (details) expect(err.details).toMatch(details);
}

function plain(value: Value__Output): unknown {
  if (value.listValue) return value.listValue.values.map(plain);
  if (value.kind === 'numberValue') return value.numberValue;
  if (value.kind === 'stringValue') return value.stringValue;
  return value;
}

test('§7.21: empty audience → INVALID_ARGUMENT "audience must be specified"', async () => {
  await expectStatus(fetchJwt([]), grpc.status.INVALID_ARGUMENT, 'audience must be specified');
});

test('only empty audience strings → INVALID_ARGUMENT, not UNAVAILABLE from the server (found by fuzzing)', async () => {
  await expectStatus(fetchJwt(['']), grpc.status.INVALID_ARGUMENT, 'audience must be specified');
  await expectStatus(fetchJwt(['', '']), grpc.status.INVALID_ARGUMENT, 'audience must be specified');
});

test('§7.21: malformed spiffe_id → INVALID_ARGUMENT; well-formed but not entitled → PERMISSION_DENIED', async () => {
  await expectStatus(
    fetchJwt(['db'], 'spiffe://Example.org/x'),
    grpc.status.INVALID_ARGUMENT,
    /invalid requested SPIFFE ID/,
  );
  await expectStatus(fetchJwt(['db'], 'spiffe://example.org/not-mine'), grpc.status.PERMISSION_DENIED);
});

test('§7.7: a caller without entries gets PERMISSION_DENIED "no identity issued"', async () => {
  api.cache.updateEntries([]);
  await expectStatus(fetchJwt(['db']), grpc.status.PERMISSION_DENIED, 'no identity issued');
});

test('§7.22/23: one token per identity in entry order, validating against the JWT bundle', async () => {
  const res = await fetchJwt(['db', 'cache']);
  expect(res.svids.map((s) => [s.spiffe_id, s.hint])).toEqual([
    ['spiffe://example.org/a', ''],
    ['spiffe://example.org/b', 'backup'],
  ]);
  const bundle = new JwtBundle(TrustDomain.parse('example.org'), [
    [api.td.jwtKey.kid, api.td.jwtKey.publicKey],
  ]);
  const svid = JwtSvid.parseAndValidate(res.svids[0].svid, { bundles: bundle, audience: ['db'] });
  expect(svid.id.toString()).toBe('spiffe://example.org/a');
  expect(svid.audience).toEqual(['db', 'cache']);
  expect(svid.kid).toBe(api.td.jwtKey.kid);
  const jwtHeader = JSON.parse(Buffer.from(res.svids[0].svid.split('.')[0], 'base64url').toString());
  expect(jwtHeader).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: api.td.jwtKey.kid });
});

test('a requested spiffe_id returns only that identity', async () => {
  const res = await fetchJwt(['db'], 'spiffe://example.org/b');
  expect(res.svids.map((s) => s.spiffe_id)).toEqual(['spiffe://example.org/b']);
});

test('tokens are cached per identity and audience set; a new audience set mints again', async () => {
  const first = await fetchJwt(['db', 'cache']);
  const calls = api.minter.calls;
  const again = await fetchJwt(['cache', 'db']);
  expect(api.minter.calls).toBe(calls);
  expect(again.svids[0].svid).toBe(first.svids[0].svid);
  await fetchJwt(['other']);
  expect(api.minter.calls).toBe(calls + 2);
});

test('minting failure without a cached token → UNAVAILABLE "could not fetch JWT-SVID: …"', async () => {
  api.minter.failWith = new Error('server unreachable');
  await expectStatus(
    fetchJwt(['db']),
    grpc.status.UNAVAILABLE,
    'could not fetch JWT-SVID: server unreachable',
  );
});

test('§7.24: ValidateJWTSVID accepts a valid token: spiffe_id = sub, claims Struct with aud as a list', async () => {
  const token = api.td.jwtKey.signJwtSvid({
    spiffeId: 'spiffe://example.org/a',
    audience: 'db',
    claims: { extra: 'x' },
  });
  const res = await validate(token, 'db');
  expect(res.spiffe_id).toBe('spiffe://example.org/a');
  const fields = res.claims!.fields;
  expect(plain(fields.aud)).toEqual(['db']);
  expect(typeof plain(fields.exp)).toBe('number');
  expect(typeof plain(fields.iat)).toBe('number');
  expect(plain(fields.extra)).toBe('x');
});

test('§7.24: invalid tokens → INVALID_ARGUMENT', async () => {
  const key = api.td.jwtKey;
  const sub = 'spiffe://example.org/a';
  const now = Math.floor(Date.now() / 1000);
  const otherKey = makeTrustDomain('example.org').jwtKey;
  const foreign = makeTrustDomain('unknown.org').jwtKey;
  const [h, p] = key.signJwtSvid({ spiffeId: sub, audience: 'db' }).split('.');
  const cases: Array<[string, string]> = [
    ['wrong audience', key.signJwtSvid({ spiffeId: sub, audience: 'web' })],
    [
      'expired beyond leeway',
      key.signJwtSvid({ spiffeId: sub, audience: 'db', nowSeconds: now - 400, ttlSeconds: 300 }),
    ],
    ['unknown kid', key.signJwtSvid({ spiffeId: sub, audience: 'db', header: { kid: 'nope' } })],
    ['bad signature', otherKey.signJwtSvid({ spiffeId: sub, audience: 'db', header: { kid: key.kid } })],
    ['alg none', `${Buffer.from('{"alg":"none","kid":"' + key.kid + '"}').toString('base64url')}.${p}.`],
    ['alg HS256', key.signJwtSvid({ spiffeId: sub, audience: 'db', header: { alg: 'HS256' } })],
    ['missing exp', key.signJwtSvid({ spiffeId: sub, audience: 'db', claims: { exp: undefined } })],
    ['missing sub', key.signJwtSvid({ spiffeId: sub, audience: 'db', claims: { sub: undefined } })],
    [
      'foreign TD without bundle',
      foreign.signJwtSvid({ spiffeId: 'spiffe://unknown.org/x', audience: 'db' }),
    ],
    ['not a JWS', `${h}.${p}`],
  ];
  for (const [what, token] of cases) {
    const err = await validate(token, 'db').then(
      () => undefined,
      (e: grpc.ServiceError) => e,
    );
    expect([what, err?.code]).toEqual([what, grpc.status.INVALID_ARGUMENT]);
  }
});

test('§7.25: ValidateJWTSVID with empty audience or svid → INVALID_ARGUMENT', async () => {
  await expectStatus(validate('x.y.z', ''), grpc.status.INVALID_ARGUMENT, 'audience must be specified');
  await expectStatus(validate('', 'db'), grpc.status.INVALID_ARGUMENT, 'svid must be specified');
});

test('foreign trust domain tokens validate with a federated bundle and keep only sub, exp, aud and allowed claims', async () => {
  const other = makeTrustDomain('other.org');
  api.cache.setFederatedBundles([other.bundle]);
  const token = other.jwtKey.signJwtSvid({
    spiffeId: 'spiffe://other.org/svc',
    audience: ['db'],
    claims: { tenant: 't1', secret: 's' },
  });
  const res = await validate(token, 'db');
  expect(res.spiffe_id).toBe('spiffe://other.org/svc');
  expect(Object.keys(res.claims!.fields).sort()).toEqual(['aud', 'exp', 'sub', 'tenant']);
});

test('§7.26: WIT RPCs are UNIMPLEMENTED (after the security header check), other unknown methods too', async () => {
  const raw = new grpc.Client(`unix://${api.socketPath}`, grpc.credentials.createInsecure());
  const call = (method: string, md: grpc.Metadata) =>
    new Promise<grpc.StatusObject>((resolve) => {
      const stream = raw.makeServerStreamRequest(
        method,
        () => Buffer.alloc(0),
        (b: Buffer) => b,
        {},
        md,
      );
      stream.on('status', resolve);
      stream.on('error', () => undefined);
    });
  const wit = await call('/SpiffeWorkloadAPI/FetchWITSVID', header());
  expect([wit.code, wit.details]).toEqual([
    grpc.status.UNIMPLEMENTED,
    'fetching WIT-SVIDs is not implemented',
  ]);
  const witBundles = await call('/SpiffeWorkloadAPI/FetchWITBundles', header());
  expect(witBundles.code).toBe(grpc.status.UNIMPLEMENTED);
  const noHeader = await call('/SpiffeWorkloadAPI/FetchWITSVID', header(null));
  expect(noHeader.code).toBe(grpc.status.INVALID_ARGUMENT);
  expect((await call('/SpiffeWorkloadAPI/FetchSomething', header())).code).toBe(grpc.status.UNIMPLEMENTED);
  raw.close();
});

test('JwtSvidService re-mints past half-life and falls back to an unexpired cached token when minting fails', async () => {
  const service = new JwtSvidService(api.minter, new JwtSvidCache(), silentLogger);
  const entry = makeEntry('e1', 'spiffe://example.org/a', [mine]);
  const t0 = new Date();
  const first = await service.fetch(entry, ['db'], t0);
  expect(await service.fetch(entry, ['db'], new Date(t0.getTime() + 100_000))).toBe(first);
  const calls = api.minter.calls;
  api.minter.failWith = new Error('server down');
  const late = new Date(t0.getTime() + 200_000);
  expect(await service.fetch(entry, ['db'], late)).toBe(first);
  expect(api.minter.calls).toBe(calls + 1);
  await expect(service.fetch(entry, ['db'], new Date(t0.getTime() + 400_000))).rejects.toThrow(
    'could not fetch JWT-SVID: server down',
  );
});

test('JwtSvidService mints every JWT-SVID of a jwt_svid_include_jti entry fresh and never caches it', async () => {
  const cache = new JwtSvidCache();
  const service = new JwtSvidService(api.minter, cache, silentLogger);
  const entry = { ...makeEntry('e-jti', 'spiffe://example.org/jti', [mine]), jwtSvidIncludeJti: true };
  const calls = api.minter.calls;
  await service.fetch(entry, ['db']);
  await service.fetch(entry, ['db']);
  expect(api.minter.calls).toBe(calls + 2);
  expect(cache.size).toBe(0);
  api.minter.failWith = new Error('server down');
  await expect(service.fetch(entry, ['db'])).rejects.toThrow('could not fetch JWT-SVID: server down');
  api.minter.failWith = undefined;
});
