import { createPublicKey, createVerify, sign } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseConfigText } from '@lanyard/common';
import { oidcConfigFromParsed, startProvider, type RunningProvider } from '../src';
import { request, testKey, waitFor, writeBundleFile, type TestKey } from './helpers';
import { createLogger } from '@lanyard/common';
import { Writable } from 'node:stream';

const silent = createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }) });

let dir: string;
let provider: RunningProvider | undefined;
let bundleFile: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'oidc-'));
  bundleFile = path.join(dir, 'bundle.json');
});
afterEach(async () => {
  await provider?.close();
  provider = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function start(extra = '', keys?: TestKey[]): Promise<string> {
  if (keys) writeBundleFile(bundleFile, keys);
  const config = oidcConfigFromParsed(
    parseConfigText(`
      domains = ["oidc.example.org", "localhost"]
      insecure_addr = "127.0.0.1:0"
      file {
        path = "${bundleFile}"
        poll_interval = "100ms"
      }
      ${extra}
    `),
  );
  provider = await startProvider(config, silent);
  const address = provider.listener.address as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

async function keysReady(base: string): Promise<void> {
  await waitFor(async () => (await request(`${base}/keys`)).status === 200, 'keys');
}

test('discovery: issuer and jwks_uri from the request host, SPIRE members, CORS, indented JSON', async () => {
  const base = await start('allow_insecure_scheme = true', [testKey('k1')]);
  const reply = await request(`${base}/.well-known/openid-configuration`, {
    headers: { Host: 'oidc.example.org:8443' },
  });
  expect(reply.status).toBe(200);
  expect(reply.headers['content-type']).toBe('application/json');
  expect(reply.headers['access-control-allow-origin']).toBe('*');
  expect(reply.body).toContain('\n  "issuer"');
  expect(JSON.parse(reply.body)).toEqual({
    issuer: 'http://oidc.example.org:8443',
    jwks_uri: 'http://oidc.example.org:8443/keys',
    authorization_endpoint: '',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256', 'ES256', 'ES384'],
  });
});

test('discovery: https scheme unless allowed, X-Forwarded-Host, domains enforced', async () => {
  const base = await start('', [testKey('k1')]);
  const proxied = await request(`${base}/.well-known/openid-configuration`, {
    headers: { Host: 'internal:80', 'X-Forwarded-Host': 'OIDC.example.org' },
  });
  expect(JSON.parse(proxied.body).issuer).toBe('https://OIDC.example.org');
  const denied = await request(`${base}/.well-known/openid-configuration`, {
    headers: { Host: 'evil.test' },
  });
  expect(denied.status).toBe(400);
  expect(denied.body).toContain('domain "evil.test" is not allowed');
});

test('discovery: jwt_issuer and jwks_uri as configured; jwt_issuer path gives the keys path', async () => {
  let base = await start('jwt_issuer = "https://oidc.example.org/tenant-a"', [testKey('k1')]);
  let doc = JSON.parse(
    (await request(`${base}/.well-known/openid-configuration`, { headers: { Host: 'localhost' } })).body,
  );
  expect(doc).toMatchObject({
    issuer: 'https://oidc.example.org/tenant-a',
    jwks_uri: 'https://oidc.example.org/tenant-a/keys',
  });
  await provider!.close();
  base = await start('jwt_issuer = "https://oidc.example.org"\njwks_uri = "https://keys.example.org/jwks"');
  doc = JSON.parse(
    (await request(`${base}/.well-known/openid-configuration`, { headers: { Host: 'localhost' } })).body,
  );
  expect(doc).toMatchObject({
    issuer: 'https://oidc.example.org',
    jwks_uri: 'https://keys.example.org/jwks',
  });
});

test('keys: kty/kid/alg per key type, no SPIFFE use, use "sig" with set_key_use, no private members', async () => {
  const keys = [testKey('ec256'), testKey('ec384', 'ec384'), testKey('rsa', 'rsa')];
  let base = await start('', keys);
  await keysReady(base);
  let reply = await request(`${base}/keys`);
  const served = JSON.parse(reply.body).keys as Record<string, string>[];
  expect(served.map((k) => [k.kid, k.kty, k.alg, k.use])).toEqual([
    ['ec256', 'EC', 'ES256', undefined],
    ['ec384', 'EC', 'ES384', undefined],
    ['rsa', 'RSA', 'RS256', undefined],
  ]);
  expect(served.some((k) => 'd' in k)).toBe(false);
  // Each served key verifies a signature made by its private key.
  for (const jwk of served) {
    const key = keys.find((k) => k.kid === jwk.kid)!;
    const signature = sign('sha256', Buffer.from('x'), key.privateKey);
    const verifier = createVerify('sha256').update('x');
    expect(verifier.verify(createPublicKey({ key: jwk, format: 'jwk' }), signature)).toBe(true);
  }
  expect(reply.headers['cache-control']).toBe('no-cache, no-store, must-revalidate');
  expect(reply.headers.pragma).toBe('no-cache');
  expect(reply.headers.expires).toBe('0');
  const notModified = await request(`${base}/keys`, {
    headers: { 'If-Modified-Since': String(reply.headers['last-modified']) },
  });
  expect(notModified.status).toBe(304);
  await provider!.close();
  base = await start('set_key_use = true', keys);
  await keysReady(base);
  reply = await request(`${base}/keys`);
  expect((JSON.parse(reply.body).keys as { use: string }[]).every((k) => k.use === 'sig')).toBe(true);
});

test('keys: 500 before the source answered, 501 for no JWT keys, new keys picked up by polling', async () => {
  const base = await start();
  expect((await request(`${base}/keys`)).status).toBe(500);
  writeBundleFile(bundleFile, []);
  await waitFor(async () => (await request(`${base}/keys`)).status === 501, 'empty key set');
  writeBundleFile(bundleFile, [testKey('k1'), testKey('k2')]);
  await waitFor(async () => (await request(`${base}/keys`)).status === 200, 'keys');
  expect(JSON.parse((await request(`${base}/keys`)).body).keys.map((k: { kid: string }) => k.kid)).toEqual([
    'k1',
    'k2',
  ]);
  writeFileSync(bundleFile, 'not json');
  await provider!.keys.source.poll();
  expect((await request(`${base}/keys`)).status).toBe(200);
});

test('server_path_prefix moves both endpoints; other methods are 405, other paths 404', async () => {
  const base = await start('server_path_prefix = "/instance/1"', [testKey('k1')]);
  await waitFor(async () => (await request(`${base}/instance/1/keys`)).status === 200, 'keys');
  const doc = JSON.parse(
    (await request(`${base}/instance/1/.well-known/openid-configuration`, { headers: { Host: 'localhost' } }))
      .body,
  );
  expect(doc).toMatchObject({
    issuer: 'https://localhost/instance/1',
    jwks_uri: 'https://localhost/instance/1/keys',
  });
  expect((await request(`${base}/keys`)).status).toBe(404);
  expect((await request(`${base}/instance/1/keys`, { method: 'POST' })).status).toBe(405);
});
