import { createPublicKey, createVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, parseConfigText } from '@lanyard/common';
import { ServerUnderTest } from '@lanyard/e2e';
import { oidcConfigFromParsed, startProvider, type RunningProvider } from '../src';
import { request, waitFor } from './helpers';

/** A real server process and several CLI calls on a loaded 2-core machine. */
jest.setTimeout(180_000);

const ISSUER = 'https://oidc.example.org/prod';
const silent = createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }) });

interface Jwk {
  kid: string;
  kty: string;
  alg: string;
}

let dir: string;
let server: ServerUnderTest;
let provider: RunningProvider;
let base: string;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'oidc-srv-'));
  server = await ServerUnderTest.start({
    dir: path.join(dir, 'server'),
    extraServer: `jwt_issuer = "${ISSUER}"\n    jwt_key_type = "rsa-2048"`,
  });
  provider = await startProvider(
    oidcConfigFromParsed(
      parseConfigText(`
        domains = ["oidc.example.org"]
        insecure_addr = "127.0.0.1:0"
        jwt_issuer = "${ISSUER}"
        server_api {
          address = "unix://${server.socketPath}"
          poll_interval = "200ms"
        }
      `),
    ),
    silent,
  );
  base = `http://127.0.0.1:${(provider.listener.address as { port: number }).port}`;
}, 180_000);

afterAll(async () => {
  await provider?.close();
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function servedKeys(): Promise<Jwk[]> {
  const reply = await request(`${base}/keys`);
  return reply.status === 200 ? (JSON.parse(reply.body).keys as Jwk[]) : [];
}

async function mintJwt(): Promise<{
  header: { kid: string; alg: string };
  claims: { iss: string };
  token: string;
}> {
  const out = await server.cliOk([
    'jwt',
    'mint',
    '-spiffeID',
    'spiffe://example.org/pay/api',
    '-audience',
    'sts.amazonaws.com',
  ]);
  const token = out.trim().split('\n').pop()!.trim();
  const [h, c] = token.split('.');
  return {
    header: JSON.parse(Buffer.from(h, 'base64url').toString()),
    claims: JSON.parse(Buffer.from(c, 'base64url').toString()),
    token,
  };
}

function verifies(token: string, jwk: Jwk): boolean {
  const [h, c, s] = token.split('.');
  return createVerify('RSA-SHA256')
    .update(`${h}.${c}`)
    .verify(
      createPublicKey({ key: jwk as unknown as import('node:crypto').JsonWebKey, format: 'jwk' }),
      Buffer.from(s, 'base64url'),
    );
}

test("a JWT-SVID's iss equals the discovery issuer byte for byte, and its RS256 key is served", async () => {
  await waitFor(async () => (await servedKeys()).length > 0, 'keys from the server API');
  const doc = JSON.parse(
    (await request(`${base}/.well-known/openid-configuration`, { headers: { Host: 'oidc.example.org' } }))
      .body,
  );
  const jwt = await mintJwt();
  expect(jwt.claims.iss).toBe(doc.issuer);
  expect(doc.jwks_uri).toBe(`${ISSUER}/keys`);
  expect(jwt.header.alg).toBe('RS256');
  const jwk = (await servedKeys()).find((k) => k.kid === jwt.header.kid);
  expect(jwk).toMatchObject({ kty: 'RSA', alg: 'RS256' });
  expect(verifies(jwt.token, jwk!)).toBe(true);
});

test('a prepared JWT authority is served before it signs, and the old one stays after activation', async () => {
  await waitFor(async () => (await servedKeys()).length > 0, 'keys from the server API');
  const before = await mintJwt();
  const prepared = await server.cliOk(['localauthority', 'jwt', 'prepare']);
  const authorityId = /Authority ID: (\S+)/.exec(prepared)?.[1] ?? '';
  await waitFor(async () => (await servedKeys()).length === 2, 'the prepared key in /keys');
  const stillOld = await mintJwt();
  expect(stillOld.header.kid).toBe(before.header.kid);
  await server.cliOk(['localauthority', 'jwt', 'activate', '-authorityID', authorityId]);
  const after = await mintJwt();
  expect(after.header.kid).not.toBe(before.header.kid);
  const kids = (await servedKeys()).map((k) => k.kid);
  expect(kids).toContain(authorityId);
  expect(kids).toEqual(expect.arrayContaining([before.header.kid, after.header.kid]));
});
