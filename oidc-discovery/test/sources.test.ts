import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import * as tls from 'node:tls';
import { encodePemBlocks } from '@lanyard/base';
import { createLogger, parseConfigText } from '@lanyard/common';
import { TestCa, WorkloadApiTestServer } from '@lanyard/test-support';
import { oidcConfigFromParsed, startProvider, type RunningProvider } from '../src';
import { request, testKey, waitFor } from './helpers';

const silent = createLogger({ stream: new Writable({ write: (_c, _e, cb) => cb() }) });

let dir: string;
let provider: RunningProvider | undefined;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'oidc-src-'));
});
afterEach(async () => {
  await provider?.close();
  provider = undefined;
  rmSync(dir, { recursive: true, force: true });
});

function peerSerial(port: number, ca: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(socket.getPeerX509Certificate()!.serialNumber);
      socket.end();
    });
    socket.on('error', reject);
  });
}

test('workload_api source: the trust domain JWT bundle from the Workload API, over a socket listener', async () => {
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const jwtKey = ca.createJwtKey({ kid: 'wl-1' });
  const api = await WorkloadApiTestServer.start();
  try {
    api.setJwtBundles({ 'spiffe://example.org': ca.jwks(), 'spiffe://other.test': { keys: [] } });
    const socketPath = path.join(dir, 'oidc.sock');
    provider = await startProvider(
      oidcConfigFromParsed(
        parseConfigText(`
          domains = ["localhost"]
          listen_socket_path = "${socketPath}"
          workload_api {
            socket_path = "${api.socketPath}"
            trust_domain = "example.org"
            poll_interval = "100ms"
          }
          health_checks { bind_port = 0 }
        `),
      ),
      silent,
    );
    await waitFor(
      async () => (await request('http://localhost/keys', { socketPath })).status === 200,
      'keys',
    );
    const keys = JSON.parse((await request('http://localhost/keys', { socketPath })).body).keys;
    expect(keys.map((k: { kid: string }) => k.kid)).toEqual([jwtKey.kid]);
    const healthPort = provider.health!.address.port;
    expect((await request(`http://127.0.0.1:${healthPort}/ready`)).status).toBe(200);
    expect((await request(`http://127.0.0.1:${healthPort}/live`)).status).toBe(200);
  } finally {
    await api.close();
  }
});

test('serving_cert_file: HTTPS with the configured certificate, reloaded from disk at file_sync_interval', async () => {
  const ca = TestCa.create({ trustDomain: 'example.org' });
  const first = ca.issueCertificate({ dnsNames: ['localhost'], extKeyUsage: ['serverAuth'] });
  const certFile = path.join(dir, 'cert.pem');
  const keyFile = path.join(dir, 'key.pem');
  const write = (cert: typeof first) => {
    writeFileSync(keyFile, cert.privateKey.export({ type: 'pkcs8', format: 'pem' }));
    writeFileSync(certFile, cert.pem);
  };
  write(first);
  const bundleFile = path.join(dir, 'bundle.json');
  const key = testKey('k1');
  writeFileSync(
    bundleFile,
    JSON.stringify({ keys: [{ ...key.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'jwt-svid' }] }),
  );
  provider = await startProvider(
    oidcConfigFromParsed(
      parseConfigText(`
        domains = ["localhost"]
        serving_cert_file {
          cert_file_path = "${certFile}"
          key_file_path = "${keyFile}"
          file_sync_interval = "100ms"
          addr = "127.0.0.1:0"
        }
        file { path = "${bundleFile}" }
      `),
    ),
    silent,
  );
  const port = (provider.listener.address as { port: number }).port;
  const caPem = Buffer.from(encodePemBlocks('CERTIFICATE', ca.bundle()));
  expect(await peerSerial(port, caPem)).toBe(first.x509.serialNumber);
  const doc = await request(`https://localhost:${port}/.well-known/openid-configuration`, { ca: caPem });
  expect(JSON.parse(doc.body).issuer).toBe(`https://localhost:${port}`);
  const second = ca.issueCertificate({ dnsNames: ['localhost'], extKeyUsage: ['serverAuth'] });
  write(second);
  await waitFor(
    async () => (await peerSerial(port, caPem)) === second.x509.serialNumber,
    'certificate reload',
  );
});

test('a serving certificate that cannot be read stops the start with a clear error', async () => {
  const config = oidcConfigFromParsed(
    parseConfigText(`
      domains = ["localhost"]
      serving_cert_file {
        cert_file_path = "${dir}/missing.pem"
        key_file_path = "${dir}/missing-key.pem"
        addr = "127.0.0.1:0"
      }
      file { path = "${dir}/bundle.json" }
    `),
  );
  await expect(startProvider(config, silent)).rejects.toThrow(/unable to load serving certificate/);
});
