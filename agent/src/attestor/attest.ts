/**
 * Node attestation over the server's `Agent.AttestAgent` stream: send the attestor's evidence and a CSR for
 * a fresh key, answer every challenge, receive the agent X509-SVID.
 */
import type { NodeAttestorAgent } from '@lanyard/attestor-core';
import { createCsr, PermissionDeniedError, UnavailableError } from '@lanyard/base';
import { createAgentSvid, type AgentSvid } from './agent-svid';
import { generateKeyPair } from '../manager/keys';
import type { ServerClients } from '../client/server-connection';
import { toLanyardError } from '../client/rpc';
import { SpiffeId, TrustDomain } from '@lanyard/spiffe/id';

/** Upper bound for one attestation exchange. */
const ATTEST_TIMEOUT_MS = 60_000;

interface AttestResponse {
  result?: {
    svid: { cert_chain: Buffer[]; id: { trust_domain: string; path: string } | null } | null;
    reattestable: boolean;
  } | null;
  challenge?: Buffer;
}

/**
 * Runs AttestAgent with `attestor`. Resolves with the new agent SVID.
 * @throws the server's refusal as a LanyardError (`attestation failed: rpc error: …`): PermissionDenied for
 *   a banned agent or a used token, InvalidArgument for bad evidence, Unavailable when unreachable.
 */
export async function attestAgent(
  clients: ServerClients,
  attestor: NodeAttestorAgent,
  trustDomain: string,
): Promise<AgentSvid> {
  const key = generateKeyPair('ec-p256');
  const csr = createCsr(key.privateKey, key.publicKey);
  const payload = await attestor.payload();
  const response = await new Promise<NonNullable<AttestResponse['result']>>((resolve, reject) => {
    const call = clients.agent.AttestAgent({ deadline: new Date(Date.now() + ATTEST_TIMEOUT_MS) });
    let settled = false;
    const finish = (err: unknown, result?: NonNullable<AttestResponse['result']>): void => {
      if (settled) return;
      settled = true;
      call.end();
      if (err) reject(err);
      else resolve(result as NonNullable<AttestResponse['result']>);
    };
    call.on('data', (msg: AttestResponse) => {
      if (msg.result) finish(undefined, msg.result);
      else if (msg.challenge) answerChallenge(attestor, msg.challenge, call, finish);
    });
    call.on('error', (err) => finish(err));
    call.on('end', () => finish(new UnavailableError('attestation stream ended without a result')));
    call.write({ params: { data: { type: attestor.name, payload }, params: { csr } } });
  }).catch((err: unknown) => {
    throw toLanyardError(err, 'node attestation failed');
  });
  const chain = response.svid?.cert_chain ?? [];
  const svid = createAgentSvid(chain, key.privateKey, response.reattestable);
  const agentId = SpiffeId.parse(svid.spiffeId);
  if (!agentId.memberOf(TrustDomain.parse(trustDomain)) || agentId.isTrustDomainId()) {
    throw new PermissionDeniedError(`server issued agent SVID outside trust domain "${trustDomain}"`);
  }
  return svid;
}

function answerChallenge(
  attestor: NodeAttestorAgent,
  challenge: Buffer,
  call: { write(msg: { challenge_response: Buffer }): unknown },
  finish: (err: unknown) => void,
): void {
  if (!attestor.respondToChallenge) {
    finish(new PermissionDeniedError(`node attestor "${attestor.name}" cannot answer a server challenge`));
    return;
  }
  attestor.respondToChallenge(challenge).then(
    (answer) => call.write({ challenge_response: answer }),
    (err: unknown) => finish(err),
  );
}
