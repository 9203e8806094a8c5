import { X509Certificate } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import {
  rpc,
  attestWithToken,
  bundlePem,
  createToken,
  keyAndCsr,
  newAgent,
  rpcError,
  startTestServer,
  tlsClients,
  wid,
  wireEntry,
  type TestServer,
} from './harness';

type AgentMsg = {
  id: { path: string };
  attestation_type: string;
  x509svid_serial_number: string;
  banned: boolean;
};

describe('Agent API and join_token attestation', () => {
  let ts: TestServer;
  let offsetMs = 0;
  let roots: Buffer;

  beforeAll(async () => {
    ts = await startTestServer({ now: () => Date.now() + offsetMs });
    roots = await bundlePem(ts);
  });
  afterAll(async () => ts.stop());

  it('attests with a join token over the real AttestAgent stream', async () => {
    const token = await createToken(ts);
    const agent = await attestWithToken(ts, roots, token);
    expect(agent.agentId).toBe(`spiffe://example.org/spire/agent/join_token/${token}`);
    expect(agent.reattestable).toBe(false);
    const leaf = new X509Certificate(agent.chainDer[0]);
    expect(leaf.subjectAltName).toBe(`URI:${agent.agentId}`);
    expect(leaf.publicKey.export({ format: 'der', type: 'spki' })).toEqual(
      agent.key.publicKey.export({ format: 'der', type: 'spki' }),
    );
    const rootCert = new X509Certificate(roots);
    expect(leaf.verify(rootCert.publicKey)).toBe(true);
    const got = await rpc<AgentMsg>((cb) =>
      ts.admin.agent.GetAgent({ id: wid(`/spire/agent/join_token/${token}`) }, cb),
    );
    expect(got).toMatchObject({
      attestation_type: 'join_token',
      x509svid_serial_number: agent.serial,
      banned: false,
    });
  });

  it('refuses a used token and an expired token', async () => {
    const token = await createToken(ts);
    await attestWithToken(ts, roots, token);
    expect(await rpcError(attestWithToken(ts, roots, token))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'failed to attest: join token does not exist or has already been used',
    });
    const short = await createToken(ts, { ttl: 1 });
    offsetMs = 5000;
    try {
      expect(await rpcError(attestWithToken(ts, roots, short))).toEqual({
        code: status.INVALID_ARGUMENT,
        details: 'join token expired',
      });
    } finally {
      offsetMs = 0;
    }
  });

  it('rejects unknown attestor types and malformed params', async () => {
    const clients = tlsClients(ts, roots);
    const attempt = (msg: object) =>
      new Promise((resolve, reject) => {
        const call = clients.agent.AttestAgent();
        call.on('data', resolve);
        call.on('error', reject);
        call.write(msg);
      });
    const { csr } = keyAndCsr();
    expect(
      await rpcError(
        attempt({ params: { data: { type: 'tpm', payload: Buffer.from('x') }, params: { csr } } }),
      ),
    ).toEqual({
      code: status.FAILED_PRECONDITION,
      details: 'error getting node attestor: could not find node attestor type "tpm"',
    });
    expect(
      await rpcError(
        attempt({
          params: {
            data: { type: 'join_token', payload: Buffer.from('x') },
            params: { csr: Buffer.alloc(0) },
          },
        }),
      ),
    ).toEqual({ code: status.INVALID_ARGUMENT, details: 'malformed param: missing CSR' });
    expect(await rpcError(attempt({ params: { params: { csr } } }))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'malformed param: missing attestation data',
    });
    const token = await createToken(ts);
    const bad = await rpcError(
      attempt({
        params: {
          data: { type: 'join_token', payload: Buffer.from(token) },
          params: { csr: Buffer.from('junk') },
        },
      }),
    );
    expect(bad.code).toBe(status.INVALID_ARGUMENT);
    clients.close();
  });

  it('lists, counts and filters agents', async () => {
    const { agent, clients } = await newAgent(ts);
    clients.close();
    type Listed = { agents: AgentMsg[] };
    const listed = await rpc<Listed>((cb) =>
      ts.admin.agent.ListAgents({ filter: { by_attestation_type: 'join_token' } }, cb),
    );
    expect(listed.agents.map((a) => a.id.path)).toContain(agent.agentId.slice('spiffe://example.org'.length));
    const total = await rpc<{ count: number }>((cb) => ts.admin.agent.CountAgents({}, cb));
    expect(total.count).toBe(listed.agents.length);
    const err = await rpcError(
      rpc((cb) => ts.admin.agent.ListAgents({ filter: { by_expires_before: 'tomorrow' } }, cb)),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    const missing = await rpcError(
      rpc((cb) => ts.admin.agent.GetAgent({ id: wid('/spire/agent/join_token/nope') }, cb)),
    );
    expect(missing).toEqual({ code: status.NOT_FOUND, details: 'agent not found' });
  });

  it('a banned agent is refused on every agent API', async () => {
    const { agent, clients } = await newAgent(ts);
    await rpc((cb) => clients.entry.GetAuthorizedEntries({}, cb));
    const id = wid(agent.agentId.slice('spiffe://example.org'.length));
    await rpc((cb) => ts.admin.agent.BanAgent({ id }, cb));
    const err = await rpcError(rpc((cb) => clients.entry.GetAuthorizedEntries({}, cb)));
    expect(err).toEqual({ code: status.PERMISSION_DENIED, details: `agent "${agent.agentId}" is banned` });
    const banned = await rpc<{ agents: AgentMsg[] }>((cb) =>
      ts.admin.agent.ListAgents({ filter: { by_banned: { value: true } } }, cb),
    );
    expect(banned.agents.map((a) => a.id.path)).toEqual([id.path]);
    clients.close();
  });

  it('agent refusals carry SPIRE PermissionDeniedDetails in grpc-status-details-bin', async () => {
    const { agent, clients } = await newAgent(ts);
    await rpc((cb) => ts.admin.agent.DeleteAgent({ id: wid(agent.agentId.slice(20)) }, cb));
    const err = await new Promise<grpc.ServiceError>((resolve) =>
      clients.entry.GetAuthorizedEntries({}, (e) => resolve(e as grpc.ServiceError)),
    );
    const [raw] = err.metadata.get('grpc-status-details-bin') as Buffer[];
    const root = protobuf.parse(
      `syntax = "proto3";
      message Any { string type_url = 1; bytes value = 2; }
      message Status { int32 code = 1; string message = 2; repeated Any details = 3; }
      message PermissionDeniedDetails { int32 reason = 1; }`,
      { keepCase: true },
    ).root;
    const decoded = root.lookupType('Status').toObject(root.lookupType('Status').decode(raw)) as {
      code: number;
      message: string;
      details: Array<{ type_url: string; value: Uint8Array }>;
    };
    expect(decoded.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(decoded.message).toBe(`agent "${agent.agentId}" is not attested`);
    expect(decoded.details[0].type_url).toBe('type.googleapis.com/spire.api.types.PermissionDeniedDetails');
    expect(root.lookupType('PermissionDeniedDetails').decode(decoded.details[0].value).toJSON()).toEqual({
      reason: 2,
    });
    clients.close();
  });

  it('an evicted agent is refused and unknown to the API', async () => {
    const { agent, clients } = await newAgent(ts);
    await rpc((cb) => ts.admin.agent.DeleteAgent({ id: wid(agent.agentId.slice(20)) }, cb));
    const err = await rpcError(rpc((cb) => clients.entry.GetAuthorizedEntries({}, cb)));
    expect(err).toEqual({
      code: status.PERMISSION_DENIED,
      details: `agent "${agent.agentId}" is not attested`,
    });
    const again = await rpcError(
      rpc((cb) => ts.admin.agent.DeleteAgent({ id: wid(agent.agentId.slice(20)) }, cb)),
    );
    expect(again.code).toBe(status.NOT_FOUND);
    clients.close();
  });

  it('renews: the new SVID becomes current on first use, then the old one is refused', async () => {
    const { agent, clients } = await newAgent(ts);
    const { key, csr } = keyAndCsr();
    const renewed = await rpc<{ svid: { cert_chain: Buffer[] } }>((cb) =>
      clients.agent.RenewAgent({ params: { csr } }, cb),
    );
    await rpc((cb) => clients.entry.GetAuthorizedEntries({}, cb));
    const chainPem = renewed.svid.cert_chain.map((d) => new X509Certificate(d).toString()).join('');
    const fresh = tlsClients(ts, roots, key.privateKey, chainPem);
    await rpc((cb) => fresh.entry.GetAuthorizedEntries({}, cb));
    const old = tlsClients(ts, roots, agent.key.privateKey, agent.chainPem);
    const err = await rpcError(rpc((cb) => old.entry.GetAuthorizedEntries({}, cb)));
    expect(err.code).toBe(status.PERMISSION_DENIED);
    expect(err.details).toContain('expected to have serial number');
    for (const c of [clients, fresh, old]) c.close();
  });

  it('CreateJoinToken validates ttl and agent_id', async () => {
    expect(await rpcError(rpc((cb) => ts.admin.agent.CreateJoinToken({ ttl: 0 }, cb)))).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'ttl is required, you must provide one',
    });
    const err = await rpcError(
      rpc((cb) => ts.admin.agent.CreateJoinToken({ ttl: 60, agent_id: wid('/x', 'other.org') }, cb)),
    );
    expect(err.code).toBe(status.INVALID_ARGUMENT);
    expect(err.details).toMatch(/^invalid agent ID: /);
    const custom = await rpc<{ value: string; expires_at: number }>((cb) =>
      ts.admin.agent.CreateJoinToken({ ttl: 60, token: 'my-token' }, cb),
    );
    expect(custom.value).toBe('my-token');
    expect(custom.expires_at).toBeGreaterThan(Date.now() / 1000);
  });

  it('a token with -spiffeID maps the agent to a stable alias ID for workload entries', async () => {
    const token = await createToken(ts, { agent_id: wid('/node/stable') });
    const created = await rpc<{ results: Array<{ entry: { id: string } }> }>((cb) =>
      ts.admin.entry.BatchCreateEntry({ entries: [wireEntry('/workload/under-alias', '/node/stable')] }, cb),
    );
    const agent = await attestWithToken(ts, roots, token);
    const clients = tlsClients(ts, roots, agent.key.privateKey, agent.chainPem);
    const got = await rpc<{ entries: Array<{ id: string; spiffe_id: { path: string } }> }>((cb) =>
      clients.entry.GetAuthorizedEntries({}, cb),
    );
    expect(got.entries.map((e) => e.spiffe_id.path).sort()).toEqual([
      '/node/stable',
      '/workload/under-alias',
    ]);
    expect(got.entries.map((e) => e.id)).toContain(created.results[0].entry.id);
    clients.close();
  });

  it('trust on first use: a second attestation of a live agent is refused until it is evicted', async () => {
    const again = () => createToken(ts, { token: 'reused-token' });
    const first = await attestWithToken(ts, roots, await again());
    const err = await rpcError(attestWithToken(ts, roots, await again()));
    expect(err).toEqual({
      code: status.PERMISSION_DENIED,
      details: `failed to attest: agent "${first.agentId}" already attested`,
    });
    await rpc((cb) => ts.admin.agent.DeleteAgent({ id: wid(first.agentId.slice(20)) }, cb));
    const second = await attestWithToken(ts, roots, await again());
    expect(second.agentId).toBe(first.agentId);
    expect(second.serial).not.toBe(first.serial);
  });

  it('PostStatus stores the reported agent_version (as SPIRE), keeps it on an empty one, refuses long ones', async () => {
    const { agent, clients } = await newAgent(ts);
    const version = async () =>
      (
        await rpc<{ agent_version: string }>((cb) =>
          ts.admin.agent.GetAgent({ id: wid(agent.agentId.slice(20)) }, cb),
        )
      ).agent_version;
    expect(await version()).toBe('');
    await rpc((cb) => clients.agent.PostStatus({ agent_version: '1.0.0' }, cb));
    expect(await version()).toBe('1.0.0');
    await rpc((cb) => clients.agent.PostStatus({ agent_version: '' }, cb));
    expect(await version()).toBe('1.0.0');
    const err = await rpcError(rpc((cb) => clients.agent.PostStatus({ agent_version: 'v'.repeat(256) }, cb)));
    expect(err).toEqual({
      code: status.INVALID_ARGUMENT,
      details: 'agent version is too long (max 255 characters)',
    });
    expect(await version()).toBe('1.0.0');
    clients.close();
  });
});

describe('agent_spiffe_id_as_selector', () => {
  it('adds spiffe_id:<agent id> to the node selectors at attestation', async () => {
    const ts = await startTestServer({ agentSpiffeIdAsSelector: true });
    try {
      const { agent, clients } = await newAgent(ts);
      clients.close();
      const got = await rpc<AgentMsg & { selectors: Array<{ type: string; value: string }> }>((cb) =>
        ts.admin.agent.GetAgent({ id: wid(agent.agentId.slice(20)) }, cb),
      );
      expect(got.selectors).toEqual([{ type: 'spiffe_id', value: agent.agentId }]);
    } finally {
      await ts.stop();
    }
  });
});
