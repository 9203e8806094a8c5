import { X509Certificate, createPublicKey, verify } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { encodePem } from '@lanyard/base';
import { MemoryKeyManager } from '../../src/ca';
import {
  rpc,
  bundlePem,
  keyAndCsr,
  newAgent,
  rpcError,
  startTestServer,
  tlsClients,
  wid,
  wireEntry,
  type TestServer,
} from './harness';

type Svid = { cert_chain: Buffer[]; id: { path: string }; expires_at: number };
type Jwt = { token: string; id: { path: string }; expires_at: number; issued_at: number };
type BundleMsg = { jwt_authorities: Array<{ public_key: Buffer; key_id: string }> };

function decodeJwt(token: string) {
  const [h, c, s] = token.split('.');
  const parse = (part: string) =>
    JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
  return {
    header: parse(h),
    claims: parse(c),
    signed: Buffer.from(`${h}.${c}`),
    signature: Buffer.from(s, 'base64url'),
  };
}

describe('SVID API', () => {
  let ts: TestServer;
  let roots: Buffer;
  beforeAll(async () => {
    ts = await startTestServer();
    roots = await bundlePem(ts);
  });
  afterAll(async () => ts.stop());

  async function verifyJwt(token: string, audience: string, subject: string): Promise<void> {
    const jwt = decodeJwt(token);
    const bundle = await rpc<BundleMsg>((cb) => ts.admin.bundle.GetBundle({}, cb));
    const key = bundle.jwt_authorities.find((k) => k.key_id === jwt.header.kid)!;
    const publicKey = createPublicKey({ key: key.public_key, format: 'der', type: 'spki' });
    expect(verify('sha256', jwt.signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, jwt.signature)).toBe(
      true,
    );
    expect(jwt.claims.sub).toBe(subject);
    expect([jwt.claims.aud].flat()).toEqual([audience]);
  }

  it('MintX509SVID signs a CSR with one URI SAN and keeps the CSR key', async () => {
    const { key, csr } = keyAndCsr(['spiffe://example.org/minted']);
    const res = await rpc<{ svid: Svid }>((cb) => ts.admin.svid.MintX509SVID({ csr, ttl: 300 }, cb));
    const leaf = new X509Certificate(res.svid.cert_chain[0]);
    expect(leaf.subjectAltName).toBe('URI:spiffe://example.org/minted');
    expect(leaf.publicKey.export({ format: 'der', type: 'spki' })).toEqual(
      key.publicKey.export({ format: 'der', type: 'spki' }),
    );
    expect(leaf.verify(new X509Certificate(roots).publicKey)).toBe(true);
    expect(res.svid.id).toEqual(wid('/minted'));
  });

  it('MintX509SVID rejects a CSR without URI SAN, a foreign ID, a missing CSR and a negative ttl', async () => {
    const mint = (req: object) => rpcError(rpc((cb) => ts.admin.svid.MintX509SVID(req, cb)));
    expect((await mint({ csr: keyAndCsr().csr })).code).toBe(status.INVALID_ARGUMENT);
    expect((await mint({ csr: keyAndCsr(['spiffe://other.org/x']).csr })).code).not.toBe(status.OK);
    expect(await mint({ csr: Buffer.alloc(0) })).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'missing CSR',
    });
    expect(await mint({ csr: keyAndCsr(['spiffe://example.org/x']).csr, ttl: -1 })).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'ttl must not be negative',
    });
  });

  it('MintJWTSVID mints a token verifiable with the bundle JWT keys', async () => {
    const res = await rpc<{ svid: Jwt }>((cb) =>
      ts.admin.svid.MintJWTSVID({ id: wid('/jwt-minted'), audience: ['aud1'], ttl: 60 }, cb),
    );
    await verifyJwt(res.svid.token, 'aud1', 'spiffe://example.org/jwt-minted');
    expect(res.svid.expires_at - res.svid.issued_at).toBeLessThanOrEqual(60);
    const err = await rpcError(rpc((cb) => ts.admin.svid.MintJWTSVID({ id: wid('/x'), audience: [] }, cb)));
    expect(err).toEqual({ code: status.INVALID_ARGUMENT, details: 'at least one audience is required' });
    const bad = await rpcError(
      rpc((cb) => ts.admin.svid.MintJWTSVID({ id: wid('/x//y'), audience: ['a'] }, cb)),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    expect(bad.details).toMatch(/^invalid SPIFFE ID: /);
  });

  it('NewJWTSVID mints for authorized entries of the calling agent only', async () => {
    const { agent, clients } = await newAgent(ts);
    const created = await rpc<{ results: Array<{ entry: { id: string } }> }>((cb) =>
      ts.admin.entry.BatchCreateEntry(
        {
          entries: [
            { ...wireEntry('/jwt/web', agent.agentId.slice(20)), hint: 'h1' },
            wireEntry('/jwt/other', '/elsewhere'),
          ],
        },
        cb,
      ),
    );
    const [mine, other] = created.results.map((r) => r.entry.id);
    const res = await rpc<{ svid: Jwt & { hint: string } }>((cb) =>
      clients.svid.NewJWTSVID({ entry_id: mine, audience: ['db'] }, cb),
    );
    await verifyJwt(res.svid.token, 'db', 'spiffe://example.org/jwt/web');
    expect(res.svid.hint).toBe('h1');
    const err = await rpcError(
      rpc((cb) => clients.svid.NewJWTSVID({ entry_id: other, audience: ['db'] }, cb)),
    );
    expect(err).toEqual({ code: status.NOT_FOUND, details: 'entry not found or not authorized' });
    clients.close();
  });

  it('NewDownstreamX509CA is only for downstream workloads', async () => {
    const { agent, clients } = await newAgent(ts);
    const created = await rpc<{ results: Array<{ entry: { id: string } }> }>((cb) =>
      ts.admin.entry.BatchCreateEntry(
        {
          entries: [
            { ...wireEntry('/nested/server', agent.agentId.slice(20)), downstream: true },
            wireEntry('/nested/plain', agent.agentId.slice(20)),
          ],
        },
        cb,
      ),
    );
    const workloadClients = async (entryId: string) => {
      const { key, csr } = keyAndCsr();
      const res = await rpc<{ results: Array<{ svid: Svid }> }>((cb) =>
        clients.svid.BatchNewX509SVID({ params: [{ entry_id: entryId, csr }] }, cb),
      );
      const chain = res.results[0].svid.cert_chain.map((d) => encodePem('CERTIFICATE', d)).join('');
      return tlsClients(ts, roots, key.privateKey, chain);
    };
    const downstream = await workloadClients(created.results[0].entry.id);
    const ca = await rpc<{ ca_cert_chain: Buffer[]; x509_authorities: Buffer[] }>((cb) =>
      downstream.svid.NewDownstreamX509CA({ csr: keyAndCsr().csr, preferred_ttl: 600 }, cb),
    );
    expect(new X509Certificate(ca.ca_cert_chain[0]).ca).toBe(true);
    expect(ca.x509_authorities.length).toBeGreaterThan(0);
    const plain = await workloadClients(created.results[1].entry.id);
    const err = await rpcError(rpc((cb) => plain.svid.NewDownstreamX509CA({ csr: keyAndCsr().csr }, cb)));
    expect(err.code).toBe(status.PERMISSION_DENIED);
    for (const c of [clients, downstream, plain]) c.close();
  });

  it('WIT-SVID RPCs are unimplemented', async () => {
    const err = await rpcError(rpc((cb) => ts.admin.svid.MintWITSVID({}, cb)));
    expect(err.code).toBe(status.UNIMPLEMENTED);
  });
});

describe('SVID API with disable_jwt_svids', () => {
  it('answers JWT RPCs with Unimplemented', async () => {
    const ts = await startTestServer({ disableJwtSvids: true });
    try {
      const err = await rpcError(
        rpc((cb) => ts.admin.svid.MintJWTSVID({ id: wid('/x'), audience: ['a'] }, cb)),
      );
      expect(err).toEqual({ code: status.UNIMPLEMENTED, details: 'JWT functionality is disabled' });
    } finally {
      await ts.stop();
    }
  });
});

describe('BatchNewX509SVID on signing worker threads', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ ca: { keyManager: new MemoryKeyManager(), signingWorkers: 2 } });
  });
  afterAll(async () => ts.stop());

  it('answers every item in order, signed on the workers or refused with its own status', async () => {
    const roots = await bundlePem(ts);
    const { agent, clients } = await newAgent(ts);
    const created = await rpc<{ results: Array<{ entry: { id: string } }> }>((cb) =>
      ts.admin.entry.BatchCreateEntry(
        {
          entries: [
            { ...wireEntry('/svc/web', agent.agentId.slice(20)), dns_names: ['web.example.org'] },
            wireEntry('/svc/not-mine', '/someone/else'),
          ],
        },
        cb,
      ),
    );
    const [mine, other] = created.results.map((r) => r.entry.id);
    const good = () => ({ entry_id: mine, csr: keyAndCsr().csr });
    const params = [
      ...Array.from({ length: 20 }, good),
      { entry_id: other, csr: keyAndCsr().csr },
      { entry_id: mine, csr: keyAndCsr(['spiffe://example.org/svc/admin']).csr },
      ...Array.from({ length: 20 }, good),
      { entry_id: mine, csr: Buffer.from('not a csr') },
    ];
    const res = await rpc<{ results: Array<{ status: { code: number }; svid?: Svid }> }>((cb) =>
      clients.svid.BatchNewX509SVID({ params }, cb),
    );
    const expected = [
      ...Array<number>(20).fill(status.OK),
      status.NOT_FOUND,
      status.PERMISSION_DENIED,
      ...Array<number>(20).fill(status.OK),
      status.INVALID_ARGUMENT,
    ];
    expect(res.results.map((r) => r.status.code)).toEqual(expected);
    const caKey = new X509Certificate(roots).publicKey;
    for (const result of res.results.filter((r) => r.svid)) {
      const leaf = new X509Certificate(result.svid!.cert_chain[0]);
      expect(leaf.verify(caKey)).toBe(true);
      expect(leaf.subjectAltName).toBe('URI:spiffe://example.org/svc/web, DNS:web.example.org');
    }
    clients.close();
  });
});
