/** The listener's HTTP behaviour: routes, bounded bodies, per-identity rate limits, the bundle document. */
import { request } from 'node:https';
import { GCP_AUDIENCE, startManagedEnv, type ManagedEnv } from './harness';

const JWT = '/v1/managed/jwt-svid';
const errorOf = (answer: { json: Record<string, unknown> }) =>
  answer.json.error as { code: string; message: string };

describe('managed workloads listener', () => {
  let env: ManagedEnv;
  beforeAll(async () => {
    env = await startManagedEnv({ requestsPerMinute: 2, azureMi: undefined });
    await env.createEntry('gcp_sa', '/gcp/web', [
      `gcp_sa:email:${env.metadata.identity.serviceAccountEmail}`,
    ]);
  });
  afterAll(() => env.stop());

  const gcpProof = async () => {
    const res = await fetch(
      `${env.metadata.url}/computeMetadata/v1/instance/service-accounts/default/identity?audience=${encodeURIComponent(GCP_AUDIENCE)}&format=full`,
      { headers: { 'metadata-flavor': 'Google' } },
    );
    return { type: 'gcp_sa', token: await res.text() };
  };

  it('serves the trust bundle as a SPIFFE JWKS document', async () => {
    const answer = await env.get('/v1/managed/bundle');
    expect(answer.status).toBe(200);
    const doc = answer.json as {
      keys: Array<{ use: string }>;
      spiffe_sequence: number;
      spiffe_refresh_hint: number;
    };
    expect(doc.keys.map((k) => k.use).sort()).toEqual(['jwt-svid', 'x509-svid']);
    expect(typeof doc.spiffe_sequence).toBe('number');
    expect(doc.spiffe_refresh_hint).toBeGreaterThan(0);
  });

  it('answers unknown routes 404, wrong methods 405, bad JSON and bad proofs 400', async () => {
    expect((await env.get('/v1/managed/nope')).status).toBe(404);
    expect((await env.get(JWT)).status).toBe(405);
    const badJson = await env.post(JWT, '{not json');
    expect(badJson.status).toBe(400);
    expect(errorOf(badJson)).toEqual({ code: 'INVALID_ARGUMENT', message: 'request body is not valid JSON' });
    const noProof = await env.post(JWT, { audience: ['db'] });
    expect(errorOf(noProof).message).toBe('proof must be a JSON object');
    const unknown = await env.post(JWT, { proof: { type: 'oci' }, audience: ['db'] });
    expect(errorOf(unknown).message).toBe('proof.type must be one of aws_iam, gcp_sa, azure_mi');
    const off = await env.post(JWT, { proof: { type: 'azure_mi', token: 'x' }, audience: ['db'] });
    expect(off.status).toBe(400);
    expect(errorOf(off).message).toBe('proof type azure_mi is not enabled on this server');
    const noAudience = await env.post(JWT, { proof: await gcpProof(), audience: [] });
    expect(errorOf(noAudience).message).toBe('audience must be a non-empty list of strings');
  });

  it('refuses a body over 64 KiB with 413', async () => {
    const answer = await env.post(JWT, {
      proof: { type: 'gcp_sa', token: 'x'.repeat(70 * 1024) },
      audience: ['db'],
    });
    expect(answer.status).toBe(413);
    expect(errorOf(answer).code).toBe('RESOURCE_EXHAUSTED');
  });

  it('limits requests per caller identity with 429 and Retry-After, and records the denial', async () => {
    // The 400 above for an empty audience used one of this caller's two requests per minute.
    const statuses: number[] = [];
    let last = await env.post(JWT, { proof: await gcpProof(), audience: ['db'] });
    statuses.push(last.status);
    for (let i = 0; i < 3 && last.status !== 429; i++) {
      last = await env.post(JWT, { proof: await gcpProof(), audience: ['db'] });
      statuses.push(last.status);
    }
    expect(statuses[0]).toBe(200);
    expect(last.status).toBe(429);
    expect(last.headers['retry-after']).toBe('30');
    expect(errorOf(last).message).toBe(
      `rate limit exceeded for caller ${env.metadata.identity.serviceAccountEmail}`,
    );
    const denied = (await env.events()).filter((e) => e.event === 'managed_workload_denied');
    expect(denied.at(-1)).toMatchObject({ status_code: 8, managed_cloud: 'gcp_sa' });
  });

  it('serves only TLS with the configured certificate', async () => {
    const handshake = await new Promise<string>((resolve) => {
      const req = request(
        { host: '127.0.0.1', port: env.ts.server.managedWorkloadsPort, path: '/v1/managed/bundle' },
        () => resolve('trusted'),
      );
      req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
      req.end();
    });
    expect(handshake).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });
});
