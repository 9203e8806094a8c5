import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SpiffeBundle, TrustDomain } from '@lanyard/spiffe';
import { TestCa } from '@lanyard/test-support';
import type { BundleEndpointConfig } from '../../src/config';
import { TD, bundlePem, rpc, startTestServer, type TestServer } from '../api/harness';
import { httpsGet, waitFor } from './helpers';

const noHostCheck = (): undefined => undefined;

function endpointConfig(profile: BundleEndpointConfig['profile']): BundleEndpointConfig {
  return { address: '127.0.0.1', port: 0, refreshHintSeconds: 42, profile };
}

async function storedBundle(ts: TestServer) {
  return rpc<{ x509_authorities: Array<{ asn1: Buffer }>; sequence_number: string | number }>((cb) =>
    ts.admin.bundle.GetBundle({}, cb),
  );
}

describe('bundle endpoint, https_spiffe', () => {
  let ts: TestServer;
  let url: string;

  beforeAll(async () => {
    ts = await startTestServer({
      federation: { bundleEndpoint: endpointConfig({ kind: 'https_spiffe' }) },
    });
    url = `https://127.0.0.1:${ts.server.bundleEndpointPort}`;
  });
  afterAll(() => ts.stop());

  it('serves the stored bundle as a SPIFFE bundle document over TLS with the server SVID', async () => {
    const roots = await bundlePem(ts);
    const res = await httpsGet(url, roots, { checkServerIdentity: noHostCheck });
    expect(res.status).toBe(200);
    expect(res.contentType).toBe('application/json');
    expect(res.peer.subjectAltName).toBe(`URI:spiffe://${TD}/spire/server`);
    const root = new X509Certificate(roots);
    expect(res.peer.verify(root.publicKey)).toBe(true);

    const doc = JSON.parse(res.body) as { keys: Array<{ use: string }>; spiffe_refresh_hint: number };
    expect(doc.spiffe_refresh_hint).toBe(42);
    expect(new Set(doc.keys.map((k) => k.use))).toEqual(new Set(['x509-svid', 'jwt-svid']));
    const bundle = SpiffeBundle.parse(TrustDomain.parse(TD), res.body);
    const stored = await storedBundle(ts);
    expect(bundle.x509Authorities.map((c) => c.raw.toString('base64'))).toEqual(
      stored.x509_authorities.map((a) => Buffer.from(a.asn1).toString('base64')),
    );
    expect(bundle.sequenceNumber).toBe(Number(stored.sequence_number));
    expect(bundle.jwtAuthorities.size).toBeGreaterThan(0);
  });

  it('increases the sequence number when the bundle changes (a prepared authority)', async () => {
    const roots = await bundlePem(ts);
    const before = SpiffeBundle.parse(
      TrustDomain.parse(TD),
      (await httpsGet(url, roots, { checkServerIdentity: noHostCheck })).body,
    );
    await rpc((cb) => ts.admin.localAuthority.PrepareX509Authority({}, cb));
    const after = await waitFor('a new sequence number', async () => {
      const res = await httpsGet(url, roots, { checkServerIdentity: noHostCheck });
      const b = SpiffeBundle.parse(TrustDomain.parse(TD), res.body);
      return (b.sequenceNumber ?? 0) > (before.sequenceNumber ?? 0) ? b : undefined;
    });
    expect(after.x509Authorities.length).toBe(before.x509Authorities.length + 1);
  });

  it('answers other methods with 405', async () => {
    const res = await httpsGet(url, await bundlePem(ts), {
      method: 'POST',
      checkServerIdentity: noHostCheck,
    });
    expect(res.status).toBe(405);
  });
});

describe('bundle endpoint, https_web', () => {
  it('serves with the configured certificate and reloads it from disk at file_sync_interval', async () => {
    const first = TestCa.create({ trustDomain: 'web-one.test' });
    const second = TestCa.create({ trustDomain: 'web-two.test' });
    const issue = (ca: TestCa) =>
      ca.issueCertificate({ ipAddresses: ['127.0.0.1'], dnsNames: ['localhost'] });
    const dir = mkdtempSync(path.join(tmpdir(), 'lyw-'));
    const certFilePath = path.join(dir, 'web.crt');
    const keyFilePath = path.join(dir, 'web.key');
    const write = (cert: ReturnType<typeof issue>) => {
      writeFileSync(certFilePath, cert.pem);
      writeFileSync(keyFilePath, cert.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    };
    write(issue(first));
    const ts = await startTestServer({
      federation: {
        bundleEndpoint: endpointConfig({
          kind: 'https_web',
          certFilePath,
          keyFilePath,
          fileSyncIntervalMs: 100,
        }),
      },
    });
    try {
      const url = `https://127.0.0.1:${ts.server.bundleEndpointPort}`;
      const res = await httpsGet(
        url,
        first.root.bundle().map((d) => new X509Certificate(d).toString()),
      );
      expect(res.status).toBe(200);
      expect(SpiffeBundle.parse(TrustDomain.parse(TD), res.body).x509Authorities.length).toBeGreaterThan(0);

      write(issue(second));
      const secondRoots = second.root.bundle().map((d) => new X509Certificate(d).toString());
      const reloaded = await waitFor('the reloaded certificate', async () => {
        const r = await httpsGet(url, secondRoots);
        return r.status === 200 ? r : undefined;
      });
      expect(reloaded.peer.issuer).toContain('web-two.test');
    } finally {
      await ts.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start when the certificate file cannot be read', async () => {
    await expect(
      startTestServer({
        federation: {
          bundleEndpoint: endpointConfig({
            kind: 'https_web',
            certFilePath: '/nonexistent/web.crt',
            keyFilePath: '/nonexistent/web.key',
            fileSyncIntervalMs: 1000,
          }),
        },
      }),
    ).rejects.toThrow(/cannot read cert_file_path \/nonexistent\/web.crt/);
  });
});
