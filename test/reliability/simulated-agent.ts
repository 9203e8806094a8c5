/**
 * A simulated agent for the reconnect-storm suite: attests with a join token over server-authenticated TLS
 * (AttestAgent), then asks for workload X509-SVIDs over its own mTLS channel (BatchNewX509SVID) the way a real
 * agent does, retrying refusals with the agent's jittered exponential backoff.
 */
import * as crypto from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { Backoff, encodePemBlocks } from '@lanyard/base';
import { unary } from '@lanyard/base/grpc';
import { createCsr } from '@lanyard/agent';
import { loadSpireServerApis } from '@lanyard/proto';
import { TD } from './harness';

const SERVER_ID = `spiffe://${TD}/spire/server`;

/** CSRs per BatchNewX509SVID call: an agent renewing the SVIDs of 20 workloads at once. */
export const CSRS_PER_CALL = 20;

/** An attested simulated agent: its SPIFFE ID, key and SVID chain. */
export interface SimulatedAgent {
  readonly agentId: string;
  readonly privateKey: crypto.KeyObject;
  readonly certChainDer: readonly Buffer[];
}

function credentials(roots: readonly Buffer[], agent?: SimulatedAgent): grpc.ChannelCredentials {
  const checkServerIdentity = (_host: string, cert: { subjectaltname?: string }): Error | undefined =>
    cert.subjectaltname === `URI:${SERVER_ID}` ? undefined : new Error('unexpected server identity');
  return grpc.credentials.createSsl(
    Buffer.from(encodePemBlocks('CERTIFICATE', roots)),
    agent ? Buffer.from(agent.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string) : null,
    agent ? Buffer.from(encodePemBlocks('CERTIFICATE', agent.certChainDer)) : null,
    { checkServerIdentity },
  );
}

function apis(port: number, creds: grpc.ChannelCredentials) {
  const target = `127.0.0.1:${port}`;
  const channel = new grpc.Channel(target, creds, {
    'grpc.ssl_target_name_override': 'spire-server',
    'grpc.default_authority': 'spire-server',
  });
  const server = loadSpireServerApis().spire.api.server;
  const options = { channelOverride: channel };
  return {
    agent: new server.agent.v1.Agent(target, creds, options),
    svid: new server.svid.v1.SVID(target, creds, options),
    close: () => channel.close(),
  };
}

interface AttestResult {
  result?: { svid?: { id?: { trust_domain: string; path: string }; cert_chain: Buffer[] } };
}

/** Join-token attestation; resolves with the new agent's identity. */
export async function attestSimulatedAgent(
  port: number,
  roots: readonly Buffer[],
  token: string,
): Promise<SimulatedAgent> {
  const key = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const clients = apis(port, credentials(roots));
  try {
    const svid = await new Promise<NonNullable<NonNullable<AttestResult['result']>['svid']>>(
      (resolve, reject) => {
        const call = clients.agent.AttestAgent({ deadline: new Date(Date.now() + 120_000) });
        call.on('data', (msg: AttestResult) => {
          if (msg.result?.svid) {
            call.end();
            resolve(msg.result.svid);
          }
        });
        call.on('error', reject);
        call.write({
          params: {
            data: { type: 'join_token', payload: Buffer.from(token) },
            params: { csr: createCsr(key.privateKey, key.publicKey) },
          },
        } as never);
      },
    );
    return {
      agentId: `spiffe://${svid.id?.trust_domain ?? ''}${svid.id?.path ?? ''}`,
      privateKey: key.privateKey,
      certChainDer: svid.cert_chain.map((c) => Buffer.from(c)),
    };
  } finally {
    clients.close();
  }
}

/** Outcome of one simulated agent's reconnection. */
export interface ReconnectOutcome {
  /** The workload SVID chain it finally got. */
  readonly chain: Buffer[];
  /** Calls refused with ResourceExhausted (retried after backoff). */
  readonly refused: number;
  /** Other failed calls (retried after backoff). */
  readonly failed: number;
}

interface BatchResponse {
  results: Array<{ status: { code: number; message: string }; svid?: { cert_chain: Buffer[] } | null }>;
}

/** A CSR for a fresh P-256 key (made before a storm, so the storm itself is only TLS and RPCs). */
export function workloadCsr(): Buffer {
  const key = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return createCsr(key.privateKey, key.publicKey);
}

/**
 * Opens a new mTLS channel and asks for {@link CSRS_PER_CALL} SVIDs of `entryId` (all with `csr`) until it gets it, backing off like the agent
 * (2 s initial, doubling, 10 % jitter, at most 60 s); gives up at `deadline`.
 */
export async function reconnectAndSign(
  port: number,
  roots: readonly Buffer[],
  agent: SimulatedAgent,
  entryId: string,
  csr: Buffer,
  deadline: number,
): Promise<ReconnectOutcome> {
  const backoff = new Backoff({ initialDelayMs: 2000, maxDelayMs: 60_000, jitter: 0.1 });
  const clients = apis(port, credentials(roots, agent));
  let refused = 0;
  let failed = 0;
  try {
    for (;;) {
      try {
        const res = await unary<BatchResponse>(
          (options, cb) =>
            clients.svid.BatchNewX509SVID(
              { params: Array.from({ length: CSRS_PER_CALL }, () => ({ entry_id: entryId, csr })) } as never,
              options,
              cb as never,
            ),
          60_000,
        );
        const bad = res.results.find((r) => r.status.code !== 0 || !r.svid);
        if (bad) throw new Error(`entry result ${bad.status.code}: ${bad.status.message}`);
        return { chain: res.results[0].svid!.cert_chain, refused, failed };
      } catch (err) {
        if ((err as grpc.ServiceError).code === grpc.status.RESOURCE_EXHAUSTED) refused += 1;
        else failed += 1;
        if (Date.now() > deadline)
          throw new Error(`${agent.agentId}: no SVID by the deadline: ${(err as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, backoff.next()));
      }
    }
  } finally {
    clients.close();
  }
}
