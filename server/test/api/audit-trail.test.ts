/** The server's identity trail: every server event kind, recorded by a real server over real gRPC. */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { decodeJwt } from 'jose';
import { tokenFingerprint, type TrailEvent } from '@lanyard/common';
import { keyAndCsr, newAgent, rpc, startTestServer, wid, wireEntry, type TestServer } from './harness';

describe('identity trail (server)', () => {
  let ts: TestServer;
  let trailPath: string;

  const events = async (): Promise<TrailEvent[]> => {
    await ts.server.trail?.flush();
    return readFileSync(trailPath, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as TrailEvent);
  };
  const ofKind = async (kind: string): Promise<TrailEvent[]> =>
    (await events()).filter((e) => e.event === kind);

  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'lys-'));
    trailPath = path.join(dir, 'trail.log');
    ts = await startTestServer(
      {
        jwtCloudAudiences: ['sts.amazonaws.com'],
        auditTrail: { path: trailPath, maxSizeBytes: 10_000_000, maxFiles: 2 },
      },
      dir,
    );
  });
  afterAll(async () => {
    await ts.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('records join tokens, attestation, SVID issuance with serial and agent, and JWTs with jti for cloud audiences', async () => {
    const { agent, clients } = await newAgent(ts);
    const token = agent.agentId.slice(agent.agentId.lastIndexOf('/') + 1);
    const maskedAgentId = `spiffe://example.org/spire/agent/join_token/${tokenFingerprint(token)}`;
    const created = await rpc<{ results: Array<{ entry: { id: string } }> }>((cb) =>
      ts.admin.entry.BatchCreateEntry({ entries: [wireEntry('/pay/api', agent.agentId.slice(20))] }, cb),
    );
    const entryId = created.results[0].entry.id;
    const { csr } = keyAndCsr();
    const issued = await rpc<{ results: Array<{ svid: { cert_chain: Buffer[] } }> }>((cb) =>
      clients.svid.BatchNewX509SVID({ params: [{ entry_id: entryId, csr }] }, cb),
    );
    const leaf = new X509Certificate(issued.results[0].svid.cert_chain[0]);
    const cloud = await rpc<{ svid: { token: string } }>((cb) =>
      clients.svid.NewJWTSVID({ entry_id: entryId, audience: ['sts.amazonaws.com'] }, cb),
    );
    const plain = await rpc<{ svid: { token: string } }>((cb) =>
      clients.svid.NewJWTSVID({ entry_id: entryId, audience: ['db'] }, cb),
    );
    const renewed = await rpc<{ svid: { cert_chain: Buffer[] } }>((cb) =>
      clients.agent.RenewAgent({ params: { csr: keyAndCsr().csr } }, cb),
    );
    clients.close();

    const jti = decodeJwt(cloud.svid.token).jti;
    expect(jti).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    expect(decodeJwt(plain.svid.token).jti).toBeUndefined();

    const [tokenCreated] = await ofKind('join_token_created');
    expect(tokenCreated).toMatchObject({
      spiffe_id: maskedAgentId,
      token_fingerprint: tokenFingerprint(token),
      caller_addr: expect.any(String) as string,
    });
    expect(await ofKind('join_token_used')).toEqual([
      expect.objectContaining({ spiffe_id: maskedAgentId, token_fingerprint: tokenFingerprint(token) }),
    ]);
    expect(await ofKind('agent_attested')).toEqual([
      expect.objectContaining({
        spiffe_id: maskedAgentId,
        serial: agent.serial,
        node_attestor_type: 'join_token',
      }),
    ]);
    expect(await ofKind('x509_svid_issued')).toEqual([
      {
        time: expect.any(String) as string,
        event: 'x509_svid_issued',
        spiffe_id: 'spiffe://example.org/pay/api',
        serial: BigInt(`0x${leaf.serialNumber}`).toString(10),
        expires_at: Math.floor(Date.parse(leaf.validTo) / 1000),
        entry_id: entryId,
        agent_id: maskedAgentId,
      },
    ]);
    const jwts = await ofKind('jwt_svid_minted');
    expect(jwts).toEqual([
      expect.objectContaining({
        spiffe_id: 'spiffe://example.org/pay/api',
        audience: ['sts.amazonaws.com'],
        jti,
      }),
      expect.objectContaining({ audience: ['db'], entry_id: entryId, agent_id: maskedAgentId }),
    ]);
    expect(jwts[1].jti).toBeUndefined();
    const renewedSerial = BigInt(`0x${new X509Certificate(renewed.svid.cert_chain[0]).serialNumber}`);
    expect(await ofKind('agent_renewed')).toEqual([
      expect.objectContaining({ spiffe_id: maskedAgentId, serial: renewedSerial.toString(10) }),
    ]);
    const text = readFileSync(trailPath, 'utf8');
    expect(text).not.toContain(token);
    expect(text).not.toContain(cloud.svid.token);
  });

  it('records entry changes with who and before/after, and admin mints', async () => {
    const created = await rpc<{ results: Array<{ entry: { id: string } }> }>((cb) =>
      ts.admin.entry.BatchCreateEntry({ entries: [wireEntry('/changes', '/node')] }, cb),
    );
    const id = created.results[0].entry.id;
    await rpc((cb) =>
      ts.admin.entry.BatchUpdateEntry(
        {
          entries: [{ ...wireEntry('/changes', '/node'), id, x509_svid_ttl: 600 }],
          input_mask: { x509_svid_ttl: true },
        },
        cb,
      ),
    );
    await rpc((cb) => ts.admin.entry.BatchDeleteEntry({ ids: [id] }, cb));
    await rpc((cb) =>
      ts.admin.svid.MintJWTSVID({ id: wid('/minted'), audience: ['api://AzureADTokenExchange'] }, cb),
    );
    const changes = (await events()).filter((e) => e.entry_id === id);
    expect(changes.map((e) => e.event)).toEqual(['entry_created', 'entry_updated', 'entry_deleted']);
    for (const change of changes) {
      expect(change.spiffe_id).toBe('spiffe://example.org/changes');
      expect(String(change.caller_addr)).not.toBe('');
    }
    expect(changes[0].after).toMatchObject({ selectors: ['unix:uid:1000'], x509_svid_ttl: 0 });
    expect(changes[1].before).toMatchObject({ x509_svid_ttl: 0 });
    expect(changes[1].after).toMatchObject({ x509_svid_ttl: 600 });
    expect(changes[2].before).toMatchObject({ id });
    expect(changes[2].after).toBeUndefined();
    const minted = (await ofKind('jwt_svid_minted')).find(
      (e) => e.spiffe_id === 'spiffe://example.org/minted',
    );
    // Not a configured cloud audience here (only sts.amazonaws.com is): no jti.
    expect(minted).toMatchObject({ minted: true, audience: ['api://AzureADTokenExchange'] });
    expect(minted?.jti).toBeUndefined();
  });

  it('records evictions, bans, federation relationship changes and CA authority changes', async () => {
    const { agent, clients } = await newAgent(ts);
    clients.close();
    const agentPath = agent.agentId.slice(20);
    await rpc((cb) => ts.admin.agent.BanAgent({ id: wid(agentPath) }, cb));
    await rpc((cb) => ts.admin.agent.DeleteAgent({ id: wid(agentPath) }, cb));
    const rel = { trust_domain: 'other.org', bundle_endpoint_url: 'https://other.org/b', https_web: {} };
    await rpc((cb) =>
      ts.admin.trustDomain.BatchCreateFederationRelationship({ federation_relationships: [rel] }, cb),
    );
    await rpc((cb) =>
      ts.admin.trustDomain.BatchUpdateFederationRelationship(
        { federation_relationships: [{ ...rel, bundle_endpoint_url: 'https://other.org/c' }] },
        cb,
      ),
    );
    await rpc((cb) =>
      ts.admin.trustDomain.BatchDeleteFederationRelationship({ trust_domains: ['other.org'] }, cb),
    );
    const la = ts.admin.localAuthority;
    const before = await rpc<{ active: { authority_id: string } }>((cb) => la.GetX509AuthorityState({}, cb));
    const prepared = await rpc<{ prepared_authority: { authority_id: string } }>((cb) =>
      la.PrepareX509Authority({}, cb),
    );
    const newId = prepared.prepared_authority.authority_id;
    await rpc((cb) => la.ActivateX509Authority({ authority_id: newId }, cb));
    await rpc((cb) => la.TaintX509Authority({ authority_id: before.active.authority_id }, cb));
    await rpc((cb) => la.RevokeX509Authority({ authority_id: before.active.authority_id }, cb));

    const all = await events();
    const masked = all.find((e) => e.event === 'agent_banned')?.spiffe_id;
    expect(masked).toMatch(/^spiffe:\/\/example.org\/spire\/agent\/join_token\/sha256:[0-9a-f]{16}$/);
    expect(all.filter((e) => e.spiffe_id === masked).map((e) => e.event)).toEqual(
      expect.arrayContaining(['agent_attested', 'agent_banned', 'agent_evicted']),
    );
    expect(all.filter((e) => e.spiffe_id === 'spiffe://other.org').map((e) => e.event)).toEqual([
      'federation_relationship_created',
      'federation_relationship_updated',
      'federation_relationship_deleted',
    ]);
    const ca = all.filter((e) => e.event.startsWith('ca_') && e.authority_kind === 'x509');
    expect(ca.map((e) => [e.event, e.authority_id])).toEqual([
      ['ca_prepared', newId],
      ['ca_activated', newId],
      ['ca_tainted', before.active.authority_id],
      ['ca_revoked', before.active.authority_id],
    ]);
    expect(ca.every((e) => e.spiffe_id === 'spiffe://example.org')).toBe(true);
  });
});
