import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { Metrics, startPrometheusListener } from '@lanyard/common';
import { TestCa } from '@lanyard/test-support';
import type { FederatesWithConfig } from '../../src/config';
import { rpc, rpcError, startTestServer, type TestServer } from '../api/harness';
import { foreignEndpoint, waitFor, type ForeignEndpoint } from './helpers';

const FOREIGN = 'b.test';
const ENDPOINT_ID = `spiffe://${FOREIGN}/spire/server`;

type Handler = (req: IncomingMessage, res: ServerResponse) => void;
interface StoredBundle {
  x509_authorities: Array<{ asn1: Buffer }>;
  sequence_number: string | number;
  refresh_hint: string | number;
}

const json =
  (body: unknown): Handler =>
  (_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
  };

/** A foreign trust domain: its CA, its endpoint SVID and an endpoint whose answer the test picks. */
class Foreign {
  readonly ca = TestCa.create({ trustDomain: FOREIGN });
  handler: Handler = json(this.ca.spiffeBundle({ sequence: 2, refreshHintSeconds: 1 }));
  endpoint!: ForeignEndpoint;

  async start(svid = this.ca.issueX509Svid({ spiffeId: ENDPOINT_ID })): Promise<this> {
    this.endpoint = await foreignEndpoint(svid.chainPem, svid.privateKeyPem, (req, res) =>
      this.handler(req, res),
    );
    return this;
  }
}

async function stored(ts: TestServer, td = FOREIGN): Promise<StoredBundle> {
  return rpc<StoredBundle>((cb) => ts.admin.bundle.GetFederatedBundle({ trust_domain: td }, cb));
}

async function bootstrap(ts: TestServer, ca: TestCa, sequence = 1): Promise<void> {
  const bundle = {
    trust_domain: FOREIGN,
    x509_authorities: ca.bundle().map((asn1) => ({ asn1 })),
    jwt_authorities: [],
    refresh_hint: 0,
    sequence_number: sequence,
  };
  await rpc((cb) => ts.admin.bundle.BatchSetFederatedBundle({ bundle: [bundle] }, cb));
}

async function relate(ts: TestServer, url: string, endpointId = ENDPOINT_ID): Promise<void> {
  const rel = {
    trust_domain: FOREIGN,
    bundle_endpoint_url: url,
    https_spiffe: { endpoint_spiffe_id: endpointId },
  };
  const res = await rpc<{ results: Array<{ status: { code: number; message: string } }> }>((cb) =>
    ts.admin.trustDomain.BatchCreateFederationRelationship({ federation_relationships: [rel] }, cb),
  );
  expect(res.results[0].status).toMatchObject({ code: status.OK });
}

const refresh = (ts: TestServer, td = FOREIGN) =>
  rpc((cb) => ts.admin.trustDomain.RefreshBundle({ trust_domain: td }, cb));

/** Value of the `status="OK"` sample of `name` in a Prometheus exposition (0 when absent). */
function okSample(exposition: string, name: string): number {
  const line = exposition.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes('status="OK"'));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

const testTuning = {
  limits: { timeoutMs: 1000, maxBodyBytes: 64 * 1024 },
  bounds: { minIntervalMs: 60_000, firstRetryMs: 60_000 },
  reconcileIntervalMs: 60_000,
};

describe('federated bundle refresh (https_spiffe)', () => {
  let ts: TestServer;
  let foreign: Foreign;
  const metrics = new Metrics({ prefix: 'spire_server' });

  beforeAll(async () => {
    foreign = await new Foreign().start();
    ts = await startTestServer({ federation: testTuning, metrics });
    await bootstrap(ts, foreign.ca);
    await relate(ts, foreign.endpoint.url);
  });
  afterAll(async () => {
    await ts.stop();
    await foreign.endpoint.close();
  });

  it('RefreshBundle fetches, authenticates and stores the newer bundle', async () => {
    await refresh(ts);
    const b = await stored(ts);
    expect(Number(b.sequence_number)).toBe(2);
    expect(Number(b.refresh_hint)).toBe(1);
    expect(b.x509_authorities.map((a) => Buffer.from(a.asn1))).toEqual(foreign.ca.bundle());
    const st = ts.server.federation.status(FOREIGN);
    expect(st?.lastError).toBeUndefined();
    expect(st?.lastSuccessAt).toBeGreaterThan(0);
    const exposition = await metrics.exposition();
    expect(exposition).toMatch(
      /spire_server_bundle_manager_update_federated_bundle\{[^}]*trust_domain_id="spiffe:\/\/b.test"/,
    );
    expect(exposition).toMatch(/spire_server_bundle_manager_fetch_federated_bundle[^\n]*status="OK"/);
  });

  const failures: Array<[string, () => Handler, RegExp]> = [
    [
      'a lower sequence number',
      () => json(foreign.ca.spiffeBundle({ sequence: 1 })),
      /sequence number 1, older than the stored 2/,
    ],
    ['malformed JSON', () => (_q, s) => s.writeHead(200).end('{"keys": ['), /not valid json/],
    [
      'a key with an unknown use',
      () => {
        const doc = foreign.ca.spiffeBundle({ sequence: 3 });
        return json({ ...doc, keys: [...doc.keys, { ...doc.keys[0], use: 'wit-svid-x' }] });
      },
      /keys\[1\] has unknown use "wit-svid-x"/,
    ],
    [
      'an oversized body',
      () => (_q, s) => s.writeHead(200).end(' '.repeat(100 * 1024)),
      /bundle is larger than 65536 bytes/,
    ],
    ['a slow endpoint', () => () => undefined, /no complete answer within 1s/],
    ['an HTTP error', () => (_q, s) => s.writeHead(503).end(), /unexpected HTTP status 503/],
    [
      'a bundle of another trust domain',
      () => json(TestCa.create({ trustDomain: 'c.test' }).spiffeBundle({ sequence: 9 })),
      /does not authenticate the endpoint's own SVID/,
    ],
  ];

  it.each(failures)('keeps the last good bundle on %s and reports why', async (_name, handler, expected) => {
    const before = await stored(ts);
    foreign.handler = handler();
    const err = await rpcError(refresh(ts));
    expect(err.code).toBe(status.INTERNAL);
    expect(err.details).toMatch(/^failed to refresh bundle: /);
    expect(err.details).toMatch(expected);
    expect(ts.server.federation.status(FOREIGN)?.lastError).toMatch(expected);
    expect(await stored(ts)).toEqual(before);
    expect(ts.server.serving()).toBe(true);
  });

  it('recovers once the endpoint serves a good bundle again', async () => {
    foreign.handler = json(foreign.ca.spiffeBundle({ sequence: 5, refreshHintSeconds: 1 }));
    await refresh(ts);
    expect(Number((await stored(ts)).sequence_number)).toBe(5);
    expect(ts.server.federation.status(FOREIGN)?.lastError).toBeUndefined();
  });

  it('records elapsed times in milliseconds, as SPIRE (read from the Prometheus endpoint)', async () => {
    const listener = await startPrometheusListener({ host: '127.0.0.1', port: 0 }, metrics);
    const scrape = async () => (await fetch(`http://127.0.0.1:${listener.address.port}/`)).text();
    const fetchKey = 'spire_server_bundle_manager_fetch_federated_bundle_elapsed_time';
    const rpcKey = 'spire_server_rpc_trustdomain_v1_trust_domain_refresh_bundle_elapsed_time';
    try {
      const before = await scrape();
      // The endpoint holds its answer for 300 ms: one refresh takes at least that long.
      const good = json(foreign.ca.spiffeBundle({ sequence: 6, refreshHintSeconds: 1 }));
      foreign.handler = (req, res) => void setTimeout(() => good(req, res), 300);
      await refresh(ts);
      const after = await scrape();
      for (const key of [fetchKey, rpcKey]) {
        const count = okSample(after, `${key}_count`) - okSample(before, `${key}_count`);
        const sum = okSample(after, `${key}_sum`) - okSample(before, `${key}_sum`);
        expect(count).toBe(1);
        // 0.3 if it were seconds; the fetch timeout (1 s) bounds the fetch, the RPC adds little on top.
        expect(sum).toBeGreaterThanOrEqual(300);
        expect(sum).toBeLessThan(60_000);
      }
    } finally {
      await listener.close();
    }
  });

  it('answers NotFound for a trust domain without a relationship', async () => {
    expect((await rpcError(refresh(ts, 'nobody.test'))).code).toBe(status.NOT_FOUND);
  });
});

describe('federated bundle refresh, endpoint authentication', () => {
  let ts: TestServer;

  beforeEach(async () => {
    ts = await startTestServer({ federation: testTuning });
  });
  afterEach(() => ts.stop());

  it('refuses an endpoint presenting another SPIFFE ID', async () => {
    const foreign = await new Foreign().start();
    try {
      await bootstrap(ts, foreign.ca);
      await relate(ts, foreign.endpoint.url, `spiffe://${FOREIGN}/bundle-endpoint`);
      const err = await rpcError(refresh(ts));
      expect(err.details).toMatch(
        /spiffe:\/\/b.test\/spire\/server.*is not authorized: expected "spiffe:\/\/b.test\/bundle-endpoint"/,
      );
      expect(Number((await stored(ts)).sequence_number)).toBe(1);
    } finally {
      await foreign.endpoint.close();
    }
  });

  it('refuses an endpoint whose SVID has expired', async () => {
    const foreign = new Foreign();
    const hourAgo = new Date(Date.now() - 3_600_000);
    await foreign.start(
      foreign.ca.issueX509Svid({
        spiffeId: ENDPOINT_ID,
        notBefore: new Date(hourAgo.getTime() - 60_000),
        notAfter: hourAgo,
      }),
    );
    try {
      await bootstrap(ts, foreign.ca);
      await relate(ts, foreign.endpoint.url);
      expect((await rpcError(refresh(ts))).details).toMatch(/certificate has expired/);
      expect(Number((await stored(ts)).sequence_number)).toBe(1);
    } finally {
      await foreign.endpoint.close();
    }
  });

  it('refuses an endpoint whose SVID does not chain to the stored bundle', async () => {
    const foreign = await new Foreign().start();
    try {
      await bootstrap(ts, TestCa.create({ trustDomain: FOREIGN }));
      await relate(ts, foreign.endpoint.url);
      expect((await rpcError(refresh(ts))).details).toMatch(
        /unable to get local issuer certificate|self.signed|unable to verify/,
      );
    } finally {
      await foreign.endpoint.close();
    }
  });

  it('explains that https_spiffe needs a bootstrapped bundle', async () => {
    await relate(ts, 'https://127.0.0.1:9');
    expect((await rpcError(refresh(ts))).details).toMatch(
      /no stored bundle for trust domain "b.test" to authenticate the endpoint; bootstrap it with `bundle set`/,
    );
  });

  it('reports an unreachable endpoint', async () => {
    const foreign = await new Foreign().start();
    const url = foreign.endpoint.url;
    await foreign.endpoint.close();
    await bootstrap(ts, foreign.ca);
    await relate(ts, url);
    expect((await rpcError(refresh(ts))).details).toMatch(/ECONNREFUSED/);
  });
});

describe('federated bundle refresh (https_web, static relationship, background loop)', () => {
  it('refreshes a configured https_web relationship in the background at its refresh hint', async () => {
    const web = TestCa.create({ trustDomain: 'web-pki.test' });
    const cert = web.issueCertificate({ ipAddresses: ['127.0.0.1'] });
    const foreignCa = TestCa.create({ trustDomain: FOREIGN });
    let sequence = 1;
    const endpoint = await foreignEndpoint(
      cert.pem,
      cert.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      (_q, s) =>
        s.writeHead(200).end(JSON.stringify(foreignCa.spiffeBundle({ sequence, refreshHintSeconds: 1 }))),
    );
    const rel: FederatesWithConfig = {
      trustDomain: FOREIGN,
      bundleEndpointUrl: endpoint.url,
      bundleEndpointProfile: 'https_web',
    };
    const dir = mkdtempSync(path.join(tmpdir(), 'lyf-'));
    const ts = await startTestServer(
      {
        federation: {
          federatesWith: [rel],
          limits: { extraWebRoots: [web.root.certificate.pem] },
          bounds: { minIntervalMs: 50, firstRetryMs: 50 },
        },
      },
      dir,
    );
    try {
      await waitFor('the first background fetch', async () =>
        Number((await stored(ts)).sequence_number) === 1 ? true : undefined,
      );
      sequence = 7;
      await waitFor('the changed bundle', async () =>
        Number((await stored(ts)).sequence_number) === 7 ? true : undefined,
      );
      const listed = await rpc<{ federation_relationships: unknown[] }>((cb) =>
        ts.admin.trustDomain.ListFederationRelationships({}, cb),
      );
      expect(listed.federation_relationships).toEqual([]);
      await refresh(ts);
    } finally {
      await ts.stop();
      await endpoint.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an https_web endpoint whose certificate is not from a trusted root', async () => {
    const web = TestCa.create({ trustDomain: 'web-pki.test' });
    const cert = web.issueCertificate({ ipAddresses: ['127.0.0.1'] });
    const endpoint = await foreignEndpoint(
      cert.pem,
      cert.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
      (_q, s) => s.writeHead(200).end('{"keys":[]}'),
    );
    const ts = await startTestServer({
      federation: {
        ...testTuning,
        federatesWith: [
          { trustDomain: FOREIGN, bundleEndpointUrl: endpoint.url, bundleEndpointProfile: 'https_web' },
        ],
      },
    });
    try {
      expect((await rpcError(refresh(ts))).details).toMatch(
        /unable to verify the first certificate|local issuer/,
      );
      expect(
        (await rpcError(rpc((cb) => ts.admin.bundle.GetFederatedBundle({ trust_domain: FOREIGN }, cb)))).code,
      ).toBe(status.NOT_FOUND);
    } finally {
      await ts.stop();
      await endpoint.close();
    }
  });
});
