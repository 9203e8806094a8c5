import { X509Certificate } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { rpc, startTestServer, type TestServer } from '../api/harness';
import { httpsGet, waitFor } from './helpers';

interface WireBundle {
  trust_domain: string;
  x509_authorities: Array<{ asn1: Buffer }>;
  jwt_authorities: Array<{ public_key: Buffer; key_id: string; expires_at: string | number }>;
  refresh_hint: string | number;
  sequence_number: string | number;
}

const fastRefresh = { bounds: { minIntervalMs: 50, firstRetryMs: 50 }, reconcileIntervalMs: 200 };

function endpoint(refreshHintSeconds: number) {
  return { address: '127.0.0.1', port: 0, refreshHintSeconds, profile: { kind: 'https_spiffe' as const } };
}

const ownBundle = (ts: TestServer) => rpc<WireBundle>((cb) => ts.admin.bundle.GetBundle({}, cb));
const federated = (ts: TestServer, td: string) =>
  rpc<WireBundle>((cb) => ts.admin.bundle.GetFederatedBundle({ trust_domain: td }, cb));
const ders = (b: WireBundle) => b.x509_authorities.map((a) => Buffer.from(a.asn1).toString('base64')).sort();

/** `bundle show -format spiffe | bundle set -format spiffe -id spiffe://<td>` over the APIs. */
async function bootstrap(from: TestServer, to: TestServer): Promise<void> {
  const bundle = await ownBundle(from);
  const set = await rpc<{ results: Array<{ status: { code: number } }> }>((cb) =>
    to.admin.bundle.BatchSetFederatedBundle({ bundle: [bundle] }, cb),
  );
  expect(set.results[0].status.code).toBe(status.OK);
}

describe('two trust domains federating both ways', () => {
  let a: TestServer;
  let b: TestServer;

  beforeAll(async () => {
    b = await startTestServer({
      trustDomain: 'b.test',
      federation: { bundleEndpoint: endpoint(1), ...fastRefresh },
    });
    const bUrl = `https://127.0.0.1:${b.server.bundleEndpointPort}`;
    a = await startTestServer({
      trustDomain: 'a.test',
      federation: {
        bundleEndpoint: endpoint(1),
        // a -> b comes from the config file; b -> a is created through the TrustDomain API below.
        federatesWith: [
          {
            trustDomain: 'b.test',
            bundleEndpointUrl: bUrl,
            bundleEndpointProfile: 'https_spiffe',
            endpointSpiffeId: 'spiffe://b.test/spire/server',
          },
        ],
        ...fastRefresh,
      },
    });
    await bootstrap(a, b);
    await bootstrap(b, a);
    const rel = {
      trust_domain: 'a.test',
      bundle_endpoint_url: `https://127.0.0.1:${a.server.bundleEndpointPort}`,
      https_spiffe: { endpoint_spiffe_id: 'spiffe://a.test/spire/server' },
    };
    await rpc((cb) =>
      b.admin.trustDomain.BatchCreateFederationRelationship({ federation_relationships: [rel] }, cb),
    );
  });
  afterAll(async () => {
    await a.stop();
    await b.stop();
  });

  it('each side stores the bundle the other serves, refresh hint included', async () => {
    for (const [here, there, td] of [
      [a, b, 'b.test'],
      [b, a, 'a.test'],
    ] as const) {
      await waitFor(`${td} fetched from its endpoint`, async () => {
        const got = await federated(here, td);
        return Number(got.refresh_hint) === 1 ? got : undefined;
      });
      const got = await federated(here, td);
      const served = await ownBundle(there);
      expect(ders(got)).toEqual(ders(served));
      expect(Number(got.sequence_number)).toBe(Number(served.sequence_number));
      expect(got.jwt_authorities.map((k) => k.key_id).sort()).toEqual(
        served.jwt_authorities.map((k) => k.key_id).sort(),
      );
    }
  });

  it('a rotation on b reaches a within the refresh hint, and a keeps fetching after b re-keys its endpoint', async () => {
    const la = b.admin.localAuthority;
    const beforePrepare = ders(await ownBundle(b));
    const prepared = await rpc<{ prepared_authority: { authority_id: string } }>((cb) =>
      la.PrepareX509Authority({}, cb),
    );
    const afterPrepare = ders(await ownBundle(b));
    await waitFor('the prepared authority at a', async () => {
      const got = ders(await federated(a, 'b.test'));
      return JSON.stringify(got) === JSON.stringify(afterPrepare) ? true : undefined;
    });
    await rpc((cb) =>
      la.ActivateX509Authority({ authority_id: prepared.prepared_authority.authority_id }, cb),
    );
    // b's endpoint now presents an SVID from the new authority; a authenticates it with the stored bundle.
    const added = afterPrepare.filter((d) => !beforePrepare.includes(d));
    expect(added).toHaveLength(1);
    const newAuthority = new X509Certificate(Buffer.from(added[0], 'base64'));
    const roots = afterPrepare.map((d) => new X509Certificate(Buffer.from(d, 'base64')).toString());
    await waitFor('b re-keying its bundle endpoint', async () => {
      const res = await httpsGet(`https://127.0.0.1:${b.server.bundleEndpointPort}`, roots, {
        checkServerIdentity: () => undefined,
      });
      return res.peer.verify(newAuthority.publicKey) ? true : undefined;
    });
    const refreshed = await rpc((cb) => a.admin.trustDomain.RefreshBundle({ trust_domain: 'b.test' }, cb));
    expect(refreshed).toEqual({});
    expect(a.server.federation.status('b.test')?.lastError).toBeUndefined();
  });
});
