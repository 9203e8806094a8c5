import { createHmac, randomBytes } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { agentIdFor, type NodeAttestorServerPlugin } from '@lanyard/attestor-core';
import { encodePem, PermissionDeniedError } from '@lanyard/base';
import { serverCatalog } from '@lanyard/common';
import {
  bundlePem,
  keyAndCsr,
  rpc,
  rpcError,
  startTestServer,
  tlsClients,
  wid,
  wireEntry,
  type TestServer,
} from './harness';

const SECRET = 'node-secret';
const hmac = (data: Buffer) => createHmac('sha256', SECRET).update(data).digest();

/** A challenge/response node attestor: proves knowledge of a shared secret by MACing a server nonce. */
const hmacPlugin: NodeAttestorServerPlugin = {
  name: 'hmac_test',
  async create(_data, deps) {
    return {
      name: 'hmac_test',
      async attest(payload, challenge) {
        const node = payload.toString('utf8');
        const nonce = randomBytes(16);
        const answer = await challenge(nonce);
        if (!answer.equals(hmac(nonce)))
          throw new PermissionDeniedError('failed to attest: bad challenge response');
        return {
          agentId: agentIdFor(deps.trustDomain, 'hmac_test', node),
          selectors: [
            { type: 'hmac_test', value: `node:${node}` },
            { type: 'hmac_test', value: 'role:web' },
          ],
          canReattest: true,
        };
      },
    };
  },
};

type Step = { challenge?: Buffer; result?: { svid: { cert_chain: Buffer[] }; reattestable: boolean } };

describe('AttestAgent with challenge/response and node-alias authorization', () => {
  let ts: TestServer;
  let roots: Buffer;
  beforeAll(async () => {
    ts = await startTestServer({
      nodeAttestors: [{ name: 'hmac_test', pluginData: {} }],
      nodeAttestorPlugins: serverCatalog('NodeAttestor', [hmacPlugin]),
      limits: { attestationStepTimeoutMs: 300 },
    });
    roots = await bundlePem(ts);
  });
  afterAll(async () => ts.stop());

  /** Runs the stream, answering every challenge with `respond`. */
  function attest(node: string, respond: (c: Buffer) => Buffer) {
    const { key, csr } = keyAndCsr();
    const clients = tlsClients(ts, roots);
    return new Promise<{ key: typeof key; chainPem: string; reattestable: boolean; challenges: number }>(
      (resolve, reject) => {
        let challenges = 0;
        const call = clients.agent.AttestAgent();
        call.on('data', (msg: Step) => {
          if (msg.challenge && msg.challenge.length > 0) {
            challenges += 1;
            call.write({ challenge_response: respond(msg.challenge) });
          } else if (msg.result) {
            const chainPem = msg.result.svid.cert_chain.map((d) => encodePem('CERTIFICATE', d)).join('');
            resolve({ key, chainPem, reattestable: msg.result.reattestable, challenges });
            call.end();
          }
        });
        call.on('error', reject);
        call.write({ params: { data: { type: 'hmac_test', payload: Buffer.from(node) }, params: { csr } } });
      },
    ).finally(() => clients.close());
  }

  it('runs the challenge over the stream, stores node selectors and serves entries under matching aliases', async () => {
    await rpc((cb) =>
      ts.admin.entry.BatchCreateEntry(
        {
          entries: [
            wireEntry('/web-nodes', '/spire/server', [{ type: 'hmac_test', value: 'role:web' }]),
            wireEntry('/db-nodes', '/spire/server', [{ type: 'hmac_test', value: 'role:db' }]),
            wireEntry('/web-app', '/web-nodes'),
            wireEntry('/db-app', '/db-nodes'),
          ],
        },
        cb,
      ),
    );
    const agent = await attest('n1', hmac);
    expect(agent.challenges).toBe(1);
    expect(agent.reattestable).toBe(true);
    const got = await rpc<{ selectors: Array<{ type: string; value: string }> }>((cb) =>
      ts.admin.agent.GetAgent({ id: wid('/spire/agent/hmac_test/n1') }, cb),
    );
    expect(got.selectors.map((s) => s.value).sort()).toEqual(['node:n1', 'role:web']);
    const clients = tlsClients(ts, roots, agent.key.privateKey, agent.chainPem);
    const entries = await rpc<{ entries: Array<{ spiffe_id: { path: string } }> }>((cb) =>
      clients.entry.GetAuthorizedEntries({}, cb),
    );
    expect(entries.entries.map((e) => e.spiffe_id.path).sort()).toEqual(['/web-app', '/web-nodes']);
    clients.close();
  });

  it('lets reattestable agents attest again and refuses a wrong answer', async () => {
    await attest('n2', hmac);
    const again = await attest('n2', hmac);
    expect(again.reattestable).toBe(true);
    const err = await rpcError(attest('n3', () => Buffer.from('wrong')));
    expect(err).toEqual({
      code: status.PERMISSION_DENIED,
      details: 'failed to attest: bad challenge response',
    });
    const missing = await rpcError(
      rpc((cb) => ts.admin.agent.GetAgent({ id: wid('/spire/agent/hmac_test/n3') }, cb)),
    );
    expect(missing.code).toBe(status.NOT_FOUND);
  });

  it('times out clients that never send params or never answer the challenge', async () => {
    const clients = tlsClients(ts, roots);
    const silent = await rpcError(
      new Promise((resolve, reject) => {
        const call = clients.agent.AttestAgent();
        call.on('data', resolve);
        call.on('error', reject);
      }),
    );
    expect(silent).toEqual({
      code: status.DEADLINE_EXCEEDED,
      details: 'attestation params not received in time',
    });
    const mute = await rpcError(
      new Promise((resolve, reject) => {
        const call = clients.agent.AttestAgent();
        call.on('data', (msg: Step) => (msg.result ? resolve(msg) : undefined));
        call.on('error', reject);
        call.write({
          params: {
            data: { type: 'hmac_test', payload: Buffer.from('n9') },
            params: { csr: keyAndCsr().csr },
          },
        });
      }),
    );
    expect(mute).toEqual({
      code: status.DEADLINE_EXCEEDED,
      details: 'challenge response not received in time',
    });
    clients.close();
  });

  it('RenewAgent tells reattestable agents to reattest', async () => {
    const agent = await attest('n4', hmac);
    const clients = tlsClients(ts, roots, agent.key.privateKey, agent.chainPem);
    const err = await rpcError(
      rpc((cb) => clients.agent.RenewAgent({ params: { csr: keyAndCsr().csr } }, cb)),
    );
    expect(err).toEqual({ code: status.PERMISSION_DENIED, details: 'agent must reattest instead of renew' });
    clients.close();
  });
});
