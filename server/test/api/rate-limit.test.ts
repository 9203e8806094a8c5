/**
 * `server.ratelimit`: SPIRE's per-IP limits over real gRPC. A limited call waits for its turn; it is refused with
 * ResourceExhausted when the request alone exceeds the burst or its deadline comes before its turn. The
 * limiters' clock is frozen so the outcome does not depend on how fast this machine runs.
 */
import * as grpc from '@grpc/grpc-js';
import { Metrics } from '@lanyard/common';
import { peerIp } from '../../src/api/rate-limit/limits';
import { TokenBucket } from '../../src/api/rate-limit/token-bucket';
import {
  bundlePem,
  createToken,
  keyAndCsr,
  newAgent,
  rpc,
  rpcError,
  startTestServer,
  tlsClients,
  type TestServer,
} from './harness';

const frozen = (): number => 0;

/** Runs AttestAgent with a join token; resolves when the SVID arrives, rejects with the status. */
async function attest(ts: TestServer, roots: Buffer, deadlineMs?: number): Promise<void> {
  const token = await createToken(ts);
  const clients = tlsClients(ts, roots);
  try {
    await new Promise<void>((resolve, reject) => {
      const options = deadlineMs === undefined ? {} : { deadline: Date.now() + deadlineMs };
      const call = (
        clients.agent.AttestAgent as (o: grpc.CallOptions) => grpc.ClientDuplexStream<unknown, unknown>
      )(options);
      call.on('data', () => {
        resolve();
        call.end();
      });
      call.on('error', reject);
      call.write({
        params: {
          data: { type: 'join_token', payload: Buffer.from(token) },
          params: { csr: keyAndCsr().csr },
        },
      });
    });
  } finally {
    clients.close();
  }
}

describe('token bucket (Go rate semantics)', () => {
  it('starts full, makes later callers wait, refuses what exceeds the burst or the caller deadline', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 2, () => now);
    expect(bucket.reserve(2)).toBe(0);
    expect(bucket.reserve(1)).toBe(500);
    expect(() => bucket.reserve(1, 900)).toThrow('rate: Wait(n=1) would exceed context deadline');
    expect(() => bucket.reserve(3)).toThrow('rate (3) exceeds burst size (2)');
    now += 1500;
    expect(bucket.reserve(2)).toBe(0);
  });

  it('takes the IP out of grpc-js peer strings', () => {
    expect(peerIp('127.0.0.1:4711')).toBe('127.0.0.1');
    expect(peerIp('[::1]:4711')).toBe('::1');
    expect(peerIp('ipv4:10.1.2.3:80')).toBe('10.1.2.3');
  });
});

describe('attestation rate limit', () => {
  let ts: TestServer;
  const metrics = new Metrics({ prefix: 'spire_server' });
  beforeAll(async () => {
    ts = await startTestServer({ rateLimitClock: frozen, metrics });
  });
  afterAll(() => ts.stop());

  it('lets one attestation per second through per IP and refuses one whose deadline comes first', async () => {
    const roots = await bundlePem(ts);
    await attest(ts, roots);
    await attest(ts, roots); // waits its one-second turn
    const refused = await rpcError(attest(ts, roots, 1900)); // its turn would be two seconds away
    expect(refused.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refused.details).toBe(
      'rejecting request due to attest agent rate limiting: rate: Wait(n=1) would exceed context deadline',
    );
    const text = await metrics.exposition();
    expect(text).toMatch(
      /spire_server_rate_limit_agent_v1_agent_attest_agent\{[^}]*status="ResourceExhausted"[^}]*\} 1/,
    );
  });
});

describe('rate limits switched off', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ rateLimitClock: frozen, ratelimit: { attestation: false, signing: false } });
  });
  afterAll(() => ts.stop());

  it('ratelimit { attestation = false } lets attestations through at once', async () => {
    const roots = await bundlePem(ts);
    for (let i = 0; i < 3; i++) await attest(ts, roots, 1900);
  });

  it('ratelimit { signing = false } accepts a CSR batch larger than the signing burst', async () => {
    const { clients } = await newAgent(ts);
    try {
      const params = Array.from({ length: 501 }, () => ({ entry_id: 'absent', csr: Buffer.alloc(1) }));
      const res = await rpc<{ results: unknown[] }>((cb) => clients.svid.BatchNewX509SVID({ params }, cb));
      expect(res.results).toHaveLength(501);
    } finally {
      clients.close();
    }
  });
});

describe('signing rate limit', () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ rateLimitClock: frozen });
  });
  afterAll(() => ts.stop());

  it('refuses a CSR batch larger than the 500 per second burst', async () => {
    const { clients } = await newAgent(ts);
    try {
      const params = Array.from({ length: 501 }, () => ({ entry_id: 'absent', csr: Buffer.alloc(1) }));
      const refused = await rpcError(rpc((cb) => clients.svid.BatchNewX509SVID({ params }, cb)));
      expect(refused).toEqual({
        code: grpc.status.RESOURCE_EXHAUSTED,
        details:
          'rejecting request due to certificate signing rate limiting: rate (501) exceeds burst size (500)',
      });
    } finally {
      clients.close();
    }
  });
});
