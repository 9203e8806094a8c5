import { status } from '@grpc/grpc-js';
import { TestCa } from '@lanyard/test-support';
import {
  bundlePem,
  newAgent,
  rpc,
  rpcError,
  startTestServer,
  svidClients,
  wireEntry,
  type TestServer,
} from './harness';

type BundleMsg = {
  trust_domain: string;
  x509_authorities: Array<{ asn1: Buffer }>;
  jwt_authorities: Array<{ key_id: string; public_key: Buffer }>;
  sequence_number: number;
};
type Results = { results: Array<{ status: { code: number; message: string } }> };

function federated(td: string) {
  const ca = TestCa.create({ trustDomain: td });
  const jwt = ca.createJwtKey({ kid: 'k1' });
  return {
    trust_domain: td,
    x509_authorities: [{ asn1: ca.bundle()[0] }],
    jwt_authorities: [{ key_id: 'k1', public_key: jwt.publicKey.export({ format: 'der', type: 'spki' }) }],
    refresh_hint: 300,
  };
}

describe('Bundle API', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(async () => ts.stop());

  it('GetBundle returns our CA roots and JWT keys; output mask limits fields', async () => {
    const bundle = await rpc<BundleMsg>((cb) => ts.admin.bundle.GetBundle({}, cb));
    expect(bundle.trust_domain).toBe('example.org');
    expect(bundle.x509_authorities.length).toBeGreaterThan(0);
    expect(bundle.jwt_authorities.length).toBeGreaterThan(0);
    const masked = await rpc<BundleMsg>((cb) =>
      ts.admin.bundle.GetBundle({ output_mask: { refresh_hint: true } }, cb),
    );
    expect(masked.x509_authorities).toEqual([]);
  });

  it('AppendBundle adds authorities once and validates them', async () => {
    const extra = TestCa.create({ trustDomain: 'example.org' });
    const before = await rpc<BundleMsg>((cb) => ts.admin.bundle.GetBundle({}, cb));
    const req = { x509_authorities: [{ asn1: extra.bundle()[0] }] };
    const after = await rpc<BundleMsg>((cb) => ts.admin.bundle.AppendBundle(req, cb));
    expect(after.x509_authorities.length).toBe(before.x509_authorities.length + 1);
    const again = await rpc<BundleMsg>((cb) => ts.admin.bundle.AppendBundle(req, cb));
    expect(again.x509_authorities.length).toBe(after.x509_authorities.length);
    expect(await rpcError(rpc((cb) => ts.admin.bundle.AppendBundle({}, cb)))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'no authorities to append',
    });
    const bad = await rpcError(
      rpc((cb) => ts.admin.bundle.AppendBundle({ x509_authorities: [{ asn1: Buffer.from('x') }] }, cb)),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.details).toContain('x509_authorities[0]');
  });

  it('PublishJWTAuthority adds a JWT key for a downstream server only (SPIRE policy)', async () => {
    const key = TestCa.create({ trustDomain: 'example.org' }).createJwtKey({ kid: 'published' });
    const req = {
      jwt_authority: {
        key_id: 'published',
        public_key: key.publicKey.export({ format: 'der', type: 'spki' }),
      },
    };
    const local = await rpcError(rpc((cb) => ts.admin.bundle.PublishJWTAuthority(req, cb)));
    expect(local).toEqual({
      code: status.PERMISSION_DENIED,
      details: 'authorization denied for method PublishJWTAuthority',
    });
    await rpc((cb) =>
      ts.admin.entry.BatchCreateEntry(
        { entries: [{ ...wireEntry('/downstream/server', '/spire/server'), downstream: true }] },
        cb,
      ),
    );
    const roots = await bundlePem(ts);
    const downstream = await svidClients(ts, roots, '/downstream/server');
    const res = await rpc<{ jwt_authorities: Array<{ key_id: string }> }>((cb) =>
      downstream.bundle.PublishJWTAuthority(req, cb),
    );
    expect(res.jwt_authorities.map((k) => k.key_id)).toContain('published');
    downstream.close();
  });

  it('manages federated bundles: create, get, list, update, set, count, delete', async () => {
    const created = await rpc<Results>((cb) =>
      ts.admin.bundle.BatchCreateFederatedBundle(
        { bundle: [federated('fed-a.org'), federated('example.org')] },
        cb,
      ),
    );
    expect(created.results.map((r) => r.status.code)).toEqual([status.OK, status.INVALID_ARGUMENT]);
    const dup = await rpc<Results>((cb) =>
      ts.admin.bundle.BatchCreateFederatedBundle({ bundle: [federated('fed-a.org')] }, cb),
    );
    expect(dup.results[0].status.code).toBe(status.ALREADY_EXISTS);
    const got = await rpc<BundleMsg>((cb) =>
      ts.admin.bundle.GetFederatedBundle({ trust_domain: 'fed-a.org' }, cb),
    );
    expect(got.x509_authorities).toHaveLength(1);
    expect(
      await rpcError(rpc((cb) => ts.admin.bundle.GetFederatedBundle({ trust_domain: 'example.org' }, cb))),
    ).toEqual({
      code: status.INVALID_ARGUMENT,
      details: "getting a federated bundle for the server's own trust domain is not allowed",
    });
    const missing = await rpcError(
      rpc((cb) => ts.admin.bundle.GetFederatedBundle({ trust_domain: 'nope.org' }, cb)),
    );
    expect(missing).toEqual({ code: status.NOT_FOUND, details: 'bundle not found' });
    const updated = await rpc<Results>((cb) =>
      ts.admin.bundle.BatchUpdateFederatedBundle(
        {
          bundle: [{ ...federated('fed-a.org'), refresh_hint: 60 }, federated('fed-missing.org')],
          input_mask: { refresh_hint: true },
        },
        cb,
      ),
    );
    expect(updated.results.map((r) => r.status.code)).toEqual([status.OK, status.NOT_FOUND]);
    const set = await rpc<Results>((cb) =>
      ts.admin.bundle.BatchSetFederatedBundle({ bundle: [federated('fed-b.org')] }, cb),
    );
    expect(set.results[0].status.code).toBe(status.OK);
    const list = await rpc<{ bundles: BundleMsg[] }>((cb) => ts.admin.bundle.ListFederatedBundles({}, cb));
    expect(list.bundles.map((b) => b.trust_domain).sort()).toEqual(['fed-a.org', 'fed-b.org']);
    const count = await rpc<{ count: number }>((cb) => ts.admin.bundle.CountBundles({}, cb));
    expect(count.count).toBe(3);
    const deleted = await rpc<{ results: Array<{ status: { code: number }; trust_domain: string }> }>((cb) =>
      ts.admin.bundle.BatchDeleteFederatedBundle(
        { trust_domains: ['fed-b.org', 'example.org', 'zzz.org'] },
        cb,
      ),
    );
    expect(deleted.results.map((r) => r.status.code)).toEqual([
      status.OK,
      status.INVALID_ARGUMENT,
      status.NOT_FOUND,
    ]);
  });

  it('keeps taint flags and JWT key expiry end to end; refuses a repeated JWT key ID naming it', async () => {
    const own = await rpc<{ jwt_authorities: Array<{ expires_at: string | number; tainted: boolean }> }>(
      (cb) => ts.admin.bundle.GetBundle({}, cb),
    );
    expect(own.jwt_authorities.some((k) => Number(k.expires_at) > Date.now() / 1000)).toBe(true);
    const base = federated('fed-meta.org');
    const jwt = { ...base.jwt_authorities[0], expires_at: 1_900_000_000, tainted: true };
    const bundle = {
      ...base,
      x509_authorities: [{ ...base.x509_authorities[0], tainted: true }],
      jwt_authorities: [jwt],
    };
    const set = await rpc<Results>((cb) => ts.admin.bundle.BatchSetFederatedBundle({ bundle: [bundle] }, cb));
    expect(set.results[0].status.code).toBe(status.OK);
    const got = await rpc<{
      x509_authorities: Array<{ asn1: Buffer; tainted: boolean }>;
      jwt_authorities: Array<{
        key_id: string;
        public_key: Buffer;
        expires_at: string | number;
        tainted: boolean;
      }>;
    }>((cb) => ts.admin.bundle.GetFederatedBundle({ trust_domain: 'fed-meta.org' }, cb));
    expect(got.x509_authorities).toEqual([{ asn1: base.x509_authorities[0].asn1, tainted: true }]);
    expect(got.jwt_authorities.map((k) => ({ ...k, expires_at: Number(k.expires_at) }))).toEqual([
      { key_id: 'k1', public_key: jwt.public_key, expires_at: 1_900_000_000, tainted: true },
    ]);
    const twice = await rpc<Results>((cb) =>
      ts.admin.bundle.BatchSetFederatedBundle({ bundle: [{ ...base, jwt_authorities: [jwt, jwt] }] }, cb),
    );
    expect(twice.results[0].status).toEqual({
      code: status.INVALID_ARGUMENT,
      message: 'failed to convert JWT authority: jwt_authorities[1]: duplicate key ID "k1"',
    });
  });

  it('agents may read federated bundles but not write them', async () => {
    const { clients } = await newAgent(ts);
    const got = await rpc<BundleMsg>((cb) =>
      clients.bundle.GetFederatedBundle({ trust_domain: 'fed-a.org' }, cb),
    );
    expect(got.trust_domain).toBe('fed-a.org');
    const err = await rpcError(
      rpc((cb) => clients.bundle.BatchSetFederatedBundle({ bundle: [federated('x.org')] }, cb)),
    );
    expect(err.code).toBe(status.PERMISSION_DENIED);
    clients.close();
  });
});
