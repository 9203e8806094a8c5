/** A real server with the managed-workloads HTTPS listener, pointed at loopback fakes of STS, Google and Entra. */
import { createPublicKey, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { jwtVerify, type JWTPayload } from 'jose';
import type { TrailEvent } from '@lanyard/common';
import {
  FakeAppServiceIdentity,
  FakeAwsStsCallerIdentity,
  FakeAzureApis,
  FakeGcpMetadata,
  FakeGoogleApis,
  TestCa,
} from '@lanyard/test-support';
import type { LanyardServerOptions } from '../../src/server';
import type { ManagedWorkloadsConfig } from '../../src/managed';
import { rpc, startTestServer, wid, type TestServer } from '../api/harness';

export const SERVER_ID = 'lanyard.example.org';
export const GCP_AUDIENCE = 'https://lanyard.example.org/managed';
export const APP_ID_URI = 'api://lanyard-managed';

/** An answer of the listener. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: Record<string, unknown>;
}

/** Everything a managed-workloads test talks to. */
export interface ManagedEnv {
  ts: TestServer;
  sts: FakeAwsStsCallerIdentity;
  google: FakeGoogleApis;
  metadata: FakeGcpMetadata;
  azure: FakeAzureApis;
  appService: FakeAppServiceIdentity;
  servingCa: TestCa;
  trailPath: string;
  post(route: string, body: unknown): Promise<Answer>;
  get(route: string): Promise<Answer>;
  createEntry(cloud: string, spiffePath: string, selectors: string[]): Promise<string>;
  events(): Promise<TrailEvent[]>;
  stop(): Promise<void>;
}

/** Starts the fakes and a server whose `managed_workloads` enables all three clouds. */
export async function startManagedEnv(
  overrides: Partial<ManagedWorkloadsConfig> = {},
  serverOverrides: Partial<LanyardServerOptions> = {},
): Promise<ManagedEnv> {
  const dir = mkdtempSync(path.join(tmpdir(), 'lys-managed-'));
  const sts = new FakeAwsStsCallerIdentity();
  await sts.start();
  const google = await FakeGoogleApis.create();
  await google.start();
  const metadata = new FakeGcpMetadata(google.signers[0]);
  await metadata.start();
  const azure = await FakeAzureApis.create();
  await azure.start();
  const appService = new FakeAppServiceIdentity(azure);
  await appService.start();
  azure.tenants.add(appService.identity.tenantId);
  const servingCa = TestCa.create({ trustDomain: 'web.test' });
  const serving = servingCa.issueCertificate({
    subject: { commonName: 'lanyard managed' },
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1'],
    extKeyUsage: ['serverAuth'],
  });
  const file = (name: string, text: string): string => {
    const p = path.join(dir, name);
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  };
  const trailPath = path.join(dir, 'trail.log');
  const ts = await startTestServer(
    {
      auditTrail: { path: trailPath, maxSizeBytes: 10_000_000, maxFiles: 2 },
      managedWorkloads: {
        address: '127.0.0.1',
        port: 0,
        servingCertFile: file('serving.pem', serving.pem),
        servingKeyFile: file(
          'serving.key',
          serving.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
        ),
        fileSyncIntervalMs: 3_600_000,
        serverId: SERVER_ID,
        maxProofAgeMs: 300_000,
        x509SvidTtlSeconds: 0,
        jwtSvidTtlSeconds: 0,
        requestsPerMinute: 1000,
        maxConnections: 64,
        awsIam: { stsEndpoint: sts.url, stsCaFile: file('sts-ca.pem', sts.caPem) },
        gcpSa: { audience: GCP_AUDIENCE, jwksUrl: `${google.url}/oauth2/v3/certs` },
        azureMi: { appIdUri: APP_ID_URI, tenants: [appService.identity.tenantId], authorityHost: azure.url },
        ...overrides,
      },
      ...serverOverrides,
    },
    dir,
  );
  const port = ts.server.managedWorkloadsPort as number;
  const call = (method: string, route: string, body?: string): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: route,
          method,
          ca: servingCa.certificate.pem,
          headers: { 'content-type': 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
            });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return {
    ts,
    sts,
    google,
    metadata,
    azure,
    appService,
    servingCa,
    trailPath,
    post: (route, body) => call('POST', route, typeof body === 'string' ? body : JSON.stringify(body)),
    get: (route) => call('GET', route),
    async createEntry(cloud, spiffePath, selectors) {
      const created = await rpc<{
        results: Array<{ status: { code: number; message: string }; entry?: { id: string } }>;
      }>((cb) =>
        ts.admin.entry.BatchCreateEntry(
          {
            entries: [
              {
                spiffe_id: wid(spiffePath),
                parent_id: wid(`/spire/managed/${cloud}`),
                selectors: selectors.map((s) => ({
                  type: s.slice(0, s.indexOf(':')),
                  value: s.slice(s.indexOf(':') + 1),
                })),
              },
            ],
          },
          cb,
        ),
      );
      const result = created.results[0];
      if (!result.entry) throw new Error(`entry not created: ${result.status.message}`);
      await ts.server.cache.refresh();
      return result.entry.id;
    },
    async events() {
      await ts.server.trail?.flush();
      return readFileSync(trailPath, 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as TrailEvent);
    },
    async stop() {
      await ts.stop();
      await Promise.all([sts.stop(), google.stop(), metadata.stop(), azure.stop(), appService.stop()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Verifies a JWT-SVID against the JWT authorities of the bundle the listener serves. */
export async function verifyJwtSvid(env: ManagedEnv, token: string, audience: string): Promise<JWTPayload> {
  const bundle = (await env.get('/v1/managed/bundle')).json as { keys: Array<Record<string, string>> };
  const { payload } = await jwtVerify(
    token,
    (header) => {
      const jwk = bundle.keys.find((k) => k.use === 'jwt-svid' && k.kid === header.kid);
      if (!jwk) throw new Error(`no jwt-svid key ${String(header.kid)} in the bundle`);
      return createPublicKey({ key: jwk, format: 'jwk' });
    },
    { audience },
  );
  return payload;
}

/** Checks an X.509-SVID chain (base64 DER) against X.509 authorities (base64 DER); returns the leaf. */
export function verifyX509Svid(chain: string[], authorities: string[]): X509Certificate {
  const certs = chain.map((der) => new X509Certificate(Buffer.from(der, 'base64')));
  const roots = authorities.map((der) => new X509Certificate(Buffer.from(der, 'base64')));
  for (let i = 0; i + 1 < certs.length; i++) {
    if (!certs[i].verify(certs[i + 1].publicKey)) throw new Error(`chain link ${i} does not verify`);
  }
  const top = certs[certs.length - 1];
  if (!roots.some((root) => top.checkIssued(root) && top.verify(root.publicKey)))
    throw new Error('chain does not reach a bundle authority');
  return certs[0];
}
