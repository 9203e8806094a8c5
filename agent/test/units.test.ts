import { execFileSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestCa } from '@lanyard/test-support';
import { silentLogger } from '@lanyard/attestor-core';
import {
  AgentStorage,
  DATA_FILES,
  NODE_ATTESTOR_PLUGINS,
  WORKLOAD_ATTESTOR_PLUGINS,
  createCsr,
  generateKeyPair,
  loadBootstrapBundle,
  parseBootstrapBundle,
  redactJoinTokens,
  serverIdentityCheck,
} from '../src';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lyu-'));
}

test.each(['ec-p256', 'ec-p384', 'rsa-2048'] as const)('a %s CSR verifies with openssl', (type) => {
  const key = generateKeyPair(type);
  const file = path.join(tmp(), 'req.der');
  fs.writeFileSync(file, createCsr(key.privateKey, key.publicKey));
  const out = execFileSync('openssl', ['req', '-inform', 'DER', '-in', file, '-verify', '-noout'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  expect(out.toString() + '').toBeDefined();
  const pub = execFileSync('openssl', ['req', '-inform', 'DER', '-in', file, '-pubkey', '-noout']).toString();
  expect(crypto.createPublicKey(pub).equals(key.publicKey)).toBe(true);
});

test('join tokens are masked in any text', () => {
  expect(redactJoinTokens('agent "spiffe://td/spire/agent/join_token/abc-123" is banned')).toBe(
    'agent "spiffe://td/spire/agent/join_token/<redacted>" is banned',
  );
  expect(redactJoinTokens('spiffe://td/spire/agent/aws_iid/1/2/3')).toBe(
    'spiffe://td/spire/agent/aws_iid/1/2/3',
  );
});

test('the server identity check accepts only the trust domain server ID', () => {
  const check = serverIdentityCheck('example.org');
  expect(check('x', { subjectaltname: 'URI:spiffe://example.org/spire/server' })).toBeUndefined();
  expect(check('x', { subjectaltname: 'URI:spiffe://example.org/spire/agent/x' })).toBeInstanceOf(Error);
  expect(check('x', { subjectaltname: 'URI:spiffe://evil.org/spire/server' })).toBeInstanceOf(Error);
  expect(check('x', {})).toBeInstanceOf(Error);
});

test('bootstrap bundles in PEM and SPIFFE format; garbage is a clear error', () => {
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const root = ca.bundle()[0];
  const pem = Buffer.from(new crypto.X509Certificate(root).toString());
  expect(parseBootstrapBundle(pem, 'pem', 'example.org', 'f')[0].equals(root)).toBe(true);
  const doc = JSON.stringify({
    keys: [
      {
        use: 'x509-svid',
        ...new crypto.X509Certificate(root).publicKey.export({ format: 'jwk' }),
        x5c: [root.toString('base64')],
      },
    ],
  });
  expect(parseBootstrapBundle(Buffer.from(doc), 'spiffe', 'example.org', 'f')[0].equals(root)).toBe(true);
  expect(() => parseBootstrapBundle(Buffer.from('hello'), 'pem', 'example.org', '"b.pem"')).toThrow(
    /trust bundle from "b.pem"/,
  );
});

test('trust_bundle_url over trust_bundle_unix_socket downloads the bundle; a missing file names its path', async () => {
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const pem = new crypto.X509Certificate(ca.bundle()[0]).toString();
  const socketPath = path.join(tmp(), 'bundle.sock');
  const server = http.createServer((_req, res) => res.end(pem));
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    const roots = await loadBootstrapBundle(
      { kind: 'url', url: 'http://localhost/bundle', format: 'pem', unixSocket: socketPath },
      'example.org',
    );
    expect(roots?.[0].equals(ca.bundle()[0])).toBe(true);
  } finally {
    server.close();
  }
  await expect(
    loadBootstrapBundle({ kind: 'path', path: '/nope/b.pem', format: 'pem' }, 'example.org'),
  ).rejects.toThrow('could not read trust bundle at "/nope/b.pem": ENOENT');
  expect(await loadBootstrapBundle({ kind: 'insecure' }, 'example.org')).toBeUndefined();
});

test('storage: a fresh dir is empty, a corrupted bundle is ignored, and a foreign trust domain is refused', () => {
  const dir = tmp();
  const warnings: string[] = [];
  const logger = {
    ...silentLogger,
    warn: (m: string, f?: Record<string, unknown>) => warnings.push(`${m} ${JSON.stringify(f)}`),
  };
  const storage = new AgentStorage(dir, 'example.org', true, logger);
  expect(storage.load()).toEqual({ bundle: undefined });
  fs.writeFileSync(path.join(dir, DATA_FILES.bundle), 'junk');
  expect(storage.load().bundle).toBeUndefined();
  expect(warnings[0]).toContain('Stored trust bundle is unusable');
  fs.writeFileSync(
    path.join(dir, DATA_FILES.state),
    JSON.stringify({
      version: 1,
      trust_domain: 'other.org',
      spiffe_id: 'spiffe://other.org/x',
      reattestable: false,
    }),
  );
  expect(storage.load().svid).toBeUndefined();
  expect(warnings.at(-1)).toContain('belongs to trust domain \\"other.org\\"');
});

test('the plugin catalog has every attestor package that exports an agent half', () => {
  expect(NODE_ATTESTOR_PLUGINS.names()).toEqual(
    ['aws_iid', 'azure_imds', 'azure_msi', 'gcp_iit', 'join_token', 'k8s_psat', 'x509pop'].sort(),
  );
  expect(WORKLOAD_ATTESTOR_PLUGINS.names()).toEqual(['docker', 'k8s', 'systemd', 'unix']);
});
