import { status } from '@grpc/grpc-js';
import { rpc, rpcError, startTestServer, type TestServer } from './harness';

type Rel = {
  trust_domain: string;
  bundle_endpoint_url: string;
  https_spiffe?: { endpoint_spiffe_id: string } | null;
};
type RelResults = {
  results: Array<{ status: { code: number; message: string }; federation_relationship?: Rel }>;
};
type State = { authority_id: string; expires_at: number };
type States = { active: State | null; prepared: State | null; old: State | null };

describe('TrustDomain, LocalAuthority and Debug APIs', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer();
  });
  afterAll(async () => ts.stop());

  it('creates, lists, updates and deletes federation relationships', async () => {
    const rels = [
      { trust_domain: 'partner.org', bundle_endpoint_url: 'https://partner.org:8443', https_web: {} },
      {
        trust_domain: 'spiffe://other.org',
        bundle_endpoint_url: 'https://other.org/bundle',
        https_spiffe: { endpoint_spiffe_id: 'spiffe://other.org/spire/server' },
      },
      { trust_domain: 'plain.org', bundle_endpoint_url: 'http://plain.org', https_web: {} },
      { trust_domain: 'example.org', bundle_endpoint_url: 'https://self.org', https_web: {} },
    ];
    const created = await rpc<RelResults>((cb) =>
      ts.admin.trustDomain.BatchCreateFederationRelationship({ federation_relationships: rels }, cb),
    );
    expect(created.results.map((r) => r.status.code)).toEqual([
      status.OK,
      status.OK,
      status.INVALID_ARGUMENT,
      status.INVALID_ARGUMENT,
    ]);
    expect(created.results[2].status.message).toContain('scheme must be https');
    const list = await rpc<{ federation_relationships: Rel[] }>((cb) =>
      ts.admin.trustDomain.ListFederationRelationships({}, cb),
    );
    expect(list.federation_relationships.map((r) => r.trust_domain).sort()).toEqual([
      'other.org',
      'partner.org',
    ]);
    const got = await rpc<Rel>((cb) =>
      ts.admin.trustDomain.GetFederationRelationship({ trust_domain: 'other.org' }, cb),
    );
    expect(got.https_spiffe?.endpoint_spiffe_id).toBe('spiffe://other.org/spire/server');
    const updated = await rpc<RelResults>((cb) =>
      ts.admin.trustDomain.BatchUpdateFederationRelationship(
        {
          federation_relationships: [
            { trust_domain: 'partner.org', bundle_endpoint_url: 'https://new.partner.org', https_web: {} },
          ],
          input_mask: { bundle_endpoint_url: true },
        },
        cb,
      ),
    );
    expect(updated.results[0].federation_relationship?.bundle_endpoint_url).toBe('https://new.partner.org');
    const deleted = await rpc<RelResults>((cb) =>
      ts.admin.trustDomain.BatchDeleteFederationRelationship(
        { trust_domains: ['partner.org', 'partner.org'] },
        cb,
      ),
    );
    expect(deleted.results.map((r) => r.status.code)).toEqual([status.OK, status.NOT_FOUND]);
    const missing = await rpcError(
      rpc((cb) => ts.admin.trustDomain.GetFederationRelationship({ trust_domain: 'partner.org' }, cb)),
    );
    expect(missing.code).toBe(status.NOT_FOUND);
    const refresh = await rpcError(
      rpc((cb) => ts.admin.trustDomain.RefreshBundle({ trust_domain: 'nobody.org' }, cb)),
    );
    expect(refresh.code).toBe(status.NOT_FOUND);
  });

  it('walks an X.509 authority through prepare, activate, taint and revoke', async () => {
    const la = ts.admin.localAuthority;
    const initial = await rpc<States>((cb) => la.GetX509AuthorityState({}, cb));
    expect(initial.active?.authority_id).toMatch(/^[0-9a-f]+$/);
    const prepared = await rpc<{ prepared_authority: State }>((cb) => la.PrepareX509Authority({}, cb));
    const bundleBefore = await rpc<{ x509_authorities: unknown[] }>((cb) =>
      ts.admin.bundle.GetBundle({}, cb),
    );
    expect(bundleBefore.x509_authorities.length).toBe(2);
    await rpc((cb) =>
      la.ActivateX509Authority({ authority_id: prepared.prepared_authority.authority_id }, cb),
    );
    const oldId = initial.active!.authority_id;
    await rpc((cb) => la.TaintX509Authority({ authority_id: oldId }, cb));
    const tainted = await rpc<{ x509_authorities: Array<{ tainted: boolean }> }>((cb) =>
      ts.admin.bundle.GetBundle({}, cb),
    );
    expect(tainted.x509_authorities.filter((a) => a.tainted)).toHaveLength(1);
    await rpc((cb) => la.RevokeX509Authority({ authority_id: oldId }, cb));
    const after = await rpc<{ x509_authorities: unknown[] }>((cb) => ts.admin.bundle.GetBundle({}, cb));
    expect(after.x509_authorities).toHaveLength(1);
    expect(await rpcError(rpc((cb) => la.ActivateX509Authority({ authority_id: '' }, cb)))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'no authority ID provided',
    });
    const upstream = await rpcError(rpc((cb) => la.TaintX509UpstreamAuthority({ subject_key_id: 'ab' }, cb)));
    expect(upstream).toEqual({
      code: status.FAILED_PRECONDITION,
      details: 'upstream authority is not configured',
    });
  });

  it('rotates the JWT authority by hand', async () => {
    const la = ts.admin.localAuthority;
    const prepared = await rpc<{ prepared_authority: State }>((cb) => la.PrepareJWTAuthority({}, cb));
    const activated = await rpc<{ activated_authority: State }>((cb) =>
      la.ActivateJWTAuthority({ authority_id: prepared.prepared_authority.authority_id }, cb),
    );
    expect(activated.activated_authority.authority_id).toBe(prepared.prepared_authority.authority_id);
    const state = await rpc<States>((cb) => la.GetJWTAuthorityState({}, cb));
    expect(state.active?.authority_id).toBe(prepared.prepared_authority.authority_id);
    expect(state.old).not.toBeNull();
  });

  it('Debug GetInfo reports counts and the server SVID chain', async () => {
    const info = await rpc<{
      svid_chain: Array<{ id: { path: string }; subject: string }>;
      uptime: number;
      entries_count: number;
      agents_count: number;
    }>((cb) => ts.admin.debug.GetInfo({}, cb));
    expect(info.svid_chain[0].id.path).toBe('/spire/server');
    expect(info.svid_chain[0].subject).toBe('O=SPIRE,C=US');
    expect(info.uptime).toBeGreaterThanOrEqual(0);
    expect(info.agents_count).toBe(0);
  });

  it('health checks name unknown services NotFound', async () => {
    const ok = await rpc<{ status: string }>((cb) =>
      ts.admin.health.Check({ service: 'spire.api.server.entry.v1.Entry' }, cb),
    );
    expect(ok.status).toBe('SERVING');
    const err = await rpcError(rpc((cb) => ts.admin.health.Check({ service: 'nope.Service' }, cb)));
    expect(err.code).toBe(status.NOT_FOUND);
  });
});
