import { InvalidArgumentError, PermissionDeniedError, UnavailableError } from '@lanyard/base';
import { json, makePod } from '@lanyard/test-support';
import {
  type PsatWorld,
  NODE_UID,
  agentPayload,
  noChallenge,
  payloadWith,
  server,
  startWorld,
} from './helpers';

let world: PsatWorld;
beforeEach(async () => {
  world = await startWorld();
});
afterEach(async () => world.stop());

const AGENT_ID = `spiffe://example.org/spire/agent/k8s_psat/c1/${NODE_UID}`;

function reviewedTokens(): string[] {
  return world.api.requests
    .filter((r) => r.path === '/apis/authentication.k8s.io/v1/tokenreviews')
    .map((r) => JSON.parse(r.body) as { spec: { token: string; audiences: string[] } })
    .map((r) => `${r.spec.audiences.join(',')}`);
}

describe('k8s_psat agent ↔ server over the fake API server', () => {
  it('attests the agent pod with node UID agent ID, SPIRE selectors and re-attestation allowed', async () => {
    const attestor = await server(world, {
      allowed_node_label_keys: ['role'],
      allowed_pod_label_keys: ['app'],
    });
    const result = await attestor.attest(await agentPayload(world), noChallenge);
    const pod = world.agentPod.metadata;
    expect(result).toEqual({
      agentId: AGENT_ID,
      canReattest: true,
      selectors: [
        'cluster:c1',
        'agent_ns:spire',
        'agent_sa:spire-agent',
        `agent_pod_name:${pod.name}`,
        `agent_pod_uid:${pod.uid}`,
        'agent_node_ip:10.0.0.21',
        'agent_node_name:node-a',
        `agent_node_uid:${NODE_UID}`,
        'agent_node_label:role:web',
        'agent_pod_label:app:spire-agent',
      ].map((value) => ({ type: 'k8s_psat', value })),
    });
    expect(reviewedTokens()).toEqual(['spire-server']);
  });

  it('sends the token in SPIRE’s payload shape {cluster, token}', async () => {
    const payload = JSON.parse((await agentPayload(world)).toString()) as Record<string, string>;
    expect(Object.keys(payload)).toEqual(['cluster', 'token']);
    expect(payload.cluster).toBe('c1');
    expect(payload.token.split('.')).toHaveLength(3);
  });

  it('re-attests the same agent with a fresh token to the same ID', async () => {
    const attestor = await server(world);
    const first = await attestor.attest(await agentPayload(world), noChallenge);
    const again = await attestor.attest(payloadWith(world.api.tokenForPod(world.agentPod)), noChallenge);
    expect(again.agentId).toBe(first.agentId);
  });

  it('uses the pod UID with use_pod_uid_for_agent_id and honours agent_path_template', async () => {
    const byPod = await server(world, { use_pod_uid_for_agent_id: true });
    await expect(byPod.attest(await agentPayload(world), noChallenge)).resolves.toMatchObject({
      agentId: `spiffe://example.org/spire/agent/k8s_psat/c1/pod/${world.agentPod.metadata.uid}`,
    });
    const templated = await server(world, {}, { agent_path_template: '/k8s/{{ .Cluster }}/{{ .NodeName }}' });
    await expect(templated.attest(await agentPayload(world), noChallenge)).resolves.toMatchObject({
      agentId: 'spiffe://example.org/spire/agent/k8s/c1/node-a',
    });
  });

  it('refuses a service account that is not in the allow list', async () => {
    const attestor = await server(world, { service_account_allow_list: ['spire:other'] });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      new PermissionDeniedError(
        'k8s_psat: "spire:spire-agent" is not an allowed service account for cluster "c1"',
      ),
    );
  });

  it('refuses a token minted for another audience', async () => {
    const token = world.api.tokenForPod(world.agentPod, { audiences: ['vault'] });
    const attempt = (await server(world)).attest(payloadWith(token), noChallenge);
    await expect(attempt).rejects.toThrow(PermissionDeniedError);
    await expect(attempt).rejects.toThrow(
      /did not authenticate the token: .*token audiences \["vault"\] is invalid/,
    );
  });

  it('refuses a TokenReview answer that does not confirm the requested audience', async () => {
    world.api.failNext(
      json(201, {
        kind: 'TokenReview',
        apiVersion: 'authentication.k8s.io/v1',
        status: {
          authenticated: true,
          audiences: ['https://kubernetes.default.svc.cluster.local'],
          user: { username: 'system:serviceaccount:spire:spire-agent', extra: {} },
        },
      }),
    );
    await expect((await server(world)).attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /did not validate audience: wanted one of \["spire-server"\] but got \["https:\/\/kubernetes.default.svc.cluster.local"\]/,
    );
  });

  it('with audience = [] validates against the API server’s own audience', async () => {
    const token = world.api.tokenForPod(world.agentPod, { audiences: world.api.apiAudiences });
    const attestor = await server(world, { audience: [] });
    await expect(attestor.attest(payloadWith(token), noChallenge)).resolves.toMatchObject({
      agentId: AGENT_ID,
    });
    expect(reviewedTokens()).toEqual(['']);
  });

  it('refuses an expired token', async () => {
    const token = world.api.tokenForPod(world.agentPod, { nowSeconds: Math.floor(Date.now() / 1000) - 7200 });
    await expect((await server(world)).attest(payloadWith(token), noChallenge)).rejects.toThrow(
      /did not authenticate the token: \[invalid bearer token, token has expired\]/,
    );
  });

  it('refuses a forged token (claims edited after signing)', async () => {
    const [h, p, s] = world.api.tokenForPod(world.agentPod).split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
    claims.sub = 'system:serviceaccount:kube-system:admin';
    const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`;
    const attempt = (await server(world)).attest(payloadWith(forged), noChallenge);
    await expect(attempt).rejects.toThrow(PermissionDeniedError);
    await expect(attempt).rejects.toThrow(/verification error/);
  });

  it('reports an authenticator error from the TokenReview status', async () => {
    world.api.tokenReviewError = 'webhook authenticator unavailable';
    await expect((await server(world)).attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /token review for cluster "c1" did not authenticate the token: webhook authenticator unavailable/,
    );
  });

  it('fails Unavailable when the TokenReview API errors or the API server is down', async () => {
    const attestor = await server(world);
    world.api.failNext({ status: 503, body: 'etcd is sad' });
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      new UnavailableError(
        'k8s_psat: unable to validate token with TokenReview API for cluster "c1": kubernetes API failed the token review request: HTTP 503',
      ),
    );
    await world.api.stop();
    const attempt = attestor.attest(await agentPayload(world), noChallenge);
    await expect(attempt).rejects.toThrow(UnavailableError);
    await expect(attempt).rejects.toThrow(
      /kubernetes API at https:\/\/127.0.0.1:\d+ unreachable for token review/,
    );
  });

  it('refuses a pod that runs on another node than the token claims', async () => {
    const token = world.api.tokenForPod(world.agentPod, { nodeName: 'node-b' });
    await expect((await server(world)).attest(payloadWith(token), noChallenge)).rejects.toThrow(
      /is bound to node "node-b" but the pod runs on node "node-a"/,
    );
  });

  it('refuses when the pod found has another UID than the token is bound to', async () => {
    const pod = world.agentPod.metadata;
    world.api.failNext(
      json(201, {
        status: {
          authenticated: true,
          audiences: ['spire-server'],
          user: {
            username: 'system:serviceaccount:spire:spire-agent',
            extra: {
              'authentication.kubernetes.io/pod-name': [pod.name],
              'authentication.kubernetes.io/pod-uid': ['00000000-0000-0000-0000-000000000000'],
            },
          },
        },
      }),
    );
    await expect((await server(world)).attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /pod UID mismatch for pod "spire-agent-x7k2p" in cluster "c1"/,
    );
  });

  it('refuses a legacy (non-projected) token that names no pod', async () => {
    const token = world.api.issuer.issue({ namespace: 'spire', serviceAccount: 'spire-agent' });
    await expect((await server(world)).attest(payloadWith(token), noChallenge)).rejects.toThrow(
      /has no single pod-name \(the token is not a projected pod token\)/,
    );
  });

  it('refuses a token of a deleted pod', async () => {
    const pod = makePod({
      name: 'gone',
      namespace: 'spire',
      serviceAccount: 'spire-agent',
      nodeName: 'node-a',
    });
    world.api.addPod(pod);
    const token = world.api.tokenForPod(pod);
    world.api.pods.delete('spire/gone');
    await expect((await server(world)).attest(payloadWith(token), noChallenge)).rejects.toThrow(
      /pod "gone" not found/,
    );
  });

  it('refuses an unknown cluster and malformed payloads', async () => {
    const attestor = await server(world);
    await expect(attestor.attest(payloadWith('x.y.z', 'c2'), noChallenge)).rejects.toThrow(
      new PermissionDeniedError('k8s_psat: not configured for cluster "c2"'),
    );
    await expect(attestor.attest(Buffer.from('{'), noChallenge)).rejects.toThrow(InvalidArgumentError);
    await expect(attestor.attest(Buffer.from('{"cluster":"c1"}'), noChallenge)).rejects.toThrow(
      'k8s_psat: missing token in attestation data',
    );
    await expect(attestor.attest(Buffer.from('{"token":"t"}'), noChallenge)).rejects.toThrow(
      'k8s_psat: missing cluster in attestation data',
    );
  });

  it('an empty clusters map lets nobody attest', async () => {
    const { serverPlugin } = await import('../src');
    const { serverDeps } = await import('./helpers');
    const attestor = await serverPlugin.create({ clusters: {} }, serverDeps());
    await expect(attestor.attest(await agentPayload(world), noChallenge)).rejects.toThrow(
      /not configured for cluster/,
    );
  });
});
