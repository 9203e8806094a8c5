import { connect } from 'node:net';
import { status } from '@grpc/grpc-js';
import { TestCa } from '@lanyard/test-support';
import {
  rpc,
  bundlePem,
  keyAndCsr,
  newAgent,
  rpcError,
  startTestServer,
  svidClients,
  tlsClients,
  wireEntry,
  type TestServer,
} from './harness';

type Svid = { cert_chain: Buffer[]; id: { path: string }; expires_at: number };
type NewSvids = { results: Array<{ status: { code: number; message: string }; svid?: Svid }> };

describe('authorization on the TLS endpoint', () => {
  let ts: TestServer;
  let roots: Buffer;

  const clientsFor = (spiffePath: string) => svidClients(ts, roots, spiffePath);

  beforeAll(async () => {
    ts = await startTestServer({ adminIds: ['spiffe://example.org/ops/admin'] });
    roots = await bundlePem(ts);
  });
  afterAll(async () => ts.stop());

  it('an agent sees only the entries it is authorized for, transitively', async () => {
    const a = await newAgent(ts);
    const b = await newAgent(ts);
    const aPath = a.agent.agentId.slice(20);
    await rpc((cb) =>
      ts.admin.entry.BatchCreateEntry(
        {
          entries: [
            wireEntry('/a/node-alias', aPath),
            wireEntry('/a/child', '/a/node-alias'),
            wireEntry('/b/only', b.agent.agentId.slice(20)),
          ],
        },
        cb,
      ),
    );
    type Got = { entries: Array<{ spiffe_id: { path: string } }> };
    const aGot = await rpc<Got>((cb) => a.clients.entry.GetAuthorizedEntries({}, cb));
    expect(aGot.entries.map((e) => e.spiffe_id.path).sort()).toEqual(['/a/child', '/a/node-alias']);
    const bGot = await rpc<Got>((cb) => b.clients.entry.GetAuthorizedEntries({}, cb));
    expect(bGot.entries.map((e) => e.spiffe_id.path)).toEqual(['/b/only']);
    a.clients.close();
    b.clients.close();
  });

  it('BatchNewX509SVID signs authorized entries and refuses the rest per item', async () => {
    const { agent, clients } = await newAgent(ts);
    const created = await rpc<{ results: Array<{ entry: { id: string } }> }>((cb) =>
      ts.admin.entry.BatchCreateEntry(
        {
          entries: [
            {
              ...wireEntry('/svc/web', agent.agentId.slice(20)),
              dns_names: ['web.example.org'],
              x509_svid_ttl: 600,
            },
            wireEntry('/svc/not-mine', '/someone/else'),
          ],
        },
        cb,
      ),
    );
    const [mine, other] = created.results.map((r) => r.entry.id);
    const good = keyAndCsr();
    const wrongId = keyAndCsr(['spiffe://example.org/svc/admin']);
    const res = await rpc<NewSvids>((cb) =>
      clients.svid.BatchNewX509SVID(
        {
          params: [
            { entry_id: mine, csr: good.csr },
            { entry_id: other, csr: good.csr },
            { entry_id: mine, csr: wrongId.csr },
            { entry_id: mine, csr: Buffer.from('not a csr') },
            { entry_id: '', csr: good.csr },
          ],
        },
        cb,
      ),
    );
    const codes = res.results.map((r) => r.status.code);
    expect(codes).toEqual([
      status.OK,
      status.NOT_FOUND,
      status.PERMISSION_DENIED,
      status.INVALID_ARGUMENT,
      status.INVALID_ARGUMENT,
    ]);
    expect(res.results[1].status.message).toBe('entry not found or not authorized');
    const { X509Certificate } = await import('node:crypto');
    const leaf = new X509Certificate(res.results[0].svid!.cert_chain[0]);
    expect(leaf.subjectAltName).toContain('URI:spiffe://example.org/svc/web');
    expect(leaf.subjectAltName).toContain('DNS:web.example.org');
    expect(leaf.verify(new X509Certificate(roots).publicKey)).toBe(true);
    expect(res.results[0].svid!.expires_at - Date.now() / 1000).toBeLessThanOrEqual(601);
    const empty = await rpcError(rpc((cb) => clients.svid.BatchNewX509SVID({ params: [] }, cb)));
    expect(empty).toEqual({ code: status.INVALID_ARGUMENT, details: 'missing parameters' });
    clients.close();
  });

  it('callers without a certificate get only the public RPCs', async () => {
    const anon = tlsClients(ts, roots);
    const bundle = await rpc<{ trust_domain: string }>((cb) => anon.bundle.GetBundle({}, cb));
    expect(bundle.trust_domain).toBe('example.org');
    const err = await rpcError(rpc((cb) => anon.entry.ListEntries({}, cb)));
    expect(err).toEqual({
      code: status.PERMISSION_DENIED,
      details: 'authorization denied for method ListEntries',
    });
    // Like SPIRE, health is served on the admin socket only.
    const health = await rpcError(rpc((cb) => anon.health.Check({ service: '' }, cb)));
    expect(health.code).toBe(status.UNIMPLEMENTED);
    anon.close();
  });

  it('agents may not call admin RPCs', async () => {
    const { clients } = await newAgent(ts);
    const err = await rpcError(rpc((cb) => clients.entry.CountEntries({}, cb)));
    expect(err.code).toBe(status.PERMISSION_DENIED);
    clients.close();
  });

  it('admin_ids and admin entries grant the admin APIs over TLS; others are denied', async () => {
    const configured = await clientsFor('/ops/admin');
    await rpc((cb) => configured.entry.CountEntries({}, cb));
    await rpc((cb) =>
      ts.admin.entry.BatchCreateEntry({ entries: [{ ...wireEntry('/ops/flagged', '/x'), admin: true }] }, cb),
    );
    const flagged = await clientsFor('/ops/flagged');
    await rpc((cb) => flagged.agent.CountAgents({}, cb));
    const nobody = await clientsFor('/ops/nobody');
    expect((await rpcError(rpc((cb) => nobody.entry.CountEntries({}, cb)))).code).toBe(
      status.PERMISSION_DENIED,
    );
    expect((await rpcError(rpc((cb) => nobody.entry.GetAuthorizedEntries({}, cb)))).code).toBe(
      status.PERMISSION_DENIED,
    );
    for (const c of [configured, flagged, nobody]) c.close();
  });

  it('a certificate from a foreign CA is not an identity', async () => {
    const foreign = TestCa.create({ trustDomain: 'example.org' });
    const svid = foreign.issueX509Svid({ spiffeId: 'spiffe://example.org/ops/admin' });
    const clients = tlsClients(ts, roots, svid.privateKey, svid.chainPem);
    const err = await rpcError(rpc((cb) => clients.entry.CountEntries({}, cb)));
    expect(err.code).toBe(status.PERMISSION_DENIED);
    clients.close();
  });

  it('garbage on the TLS port does not disturb the server', async () => {
    for (const payload of [
      Buffer.from('GET / HTTP/1.1\r\n\r\n'),
      Buffer.alloc(4096, 0xff),
      Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff]),
    ]) {
      await new Promise<void>((resolve) => {
        const socket = connect(ts.server.port, '127.0.0.1', () => socket.end(payload));
        socket.on('error', () => resolve());
        socket.on('close', () => resolve());
        socket.resume();
      });
    }
    const anon = tlsClients(ts, roots);
    await rpc((cb) => anon.bundle.GetBundle({}, cb));
    anon.close();
  });
});
