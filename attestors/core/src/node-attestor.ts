import type { X509Certificate } from 'node:crypto';
import type { PluginLogger } from './logger';
import type { Selector } from './selector';

/**
 * Agent half of a node attestor: gathers evidence on the node (an instance identity document,
 * a projected service-account token, a join token) and answers the server's challenges.
 * The payload travels in SPIRE's `AttestationData { type, payload }` where `type` is {@link name}.
 */
export interface NodeAttestorAgent {
  /** Plugin name as SPIRE spells it: `join_token`, `aws_iid`, `gcp_iit`, `azure_msi`, `azure_imds`, `k8s_psat`. */
  readonly name: string;
  /** Produces the attestation payload (bytes as sent in `AttestationData.payload`). */
  payload(): Promise<Buffer>;
  /**
   * Answers a challenge the server half sent. Attestors without challenge/response leave it undefined;
   * the agent then fails the attestation if the server sends a challenge anyway.
   */
  respondToChallenge?(challenge: Buffer): Promise<Buffer>;
}

/** What a server-side node attestor concluded about an agent. */
export interface NodeAttestationResult {
  /** Agent SPIFFE ID, e.g. `spiffe://example.org/spire/agent/aws_iid/123456789012/us-east-1/i-0abc`. */
  readonly agentId: string;
  /** Node selectors, e.g. `{ type: 'aws_iid', value: 'tag:role:web' }`. */
  readonly selectors: Selector[];
  /** Whether the agent may attest again with fresh evidence after its SVID expires or it is evicted. */
  readonly canReattest: boolean;
}

/** Sends a challenge to the agent over the attestation stream and resolves with its response. */
export type ChallengeExchange = (challenge: Buffer) => Promise<Buffer>;

/** Join tokens as the join_token server half needs them: consumed once, atomically. */
export interface JoinTokenStore {
  /**
   * Deletes the token and returns its expiry (unix seconds) if it existed; `undefined` if it did not.
   * Two concurrent calls for one token must not both succeed.
   */
  consumeJoinToken(token: string): Promise<{ expiresAt: number } | undefined>;
}

/** Facts about already attested agents, for trust-on-first-use attestors (aws_iid, gcp_iit, azure). */
export interface AttestedNodeLookup {
  /** True when an agent with this ID is attested and not evicted. */
  isAttested(agentId: string): Promise<boolean>;
}

/** Everything a server-side node attestor is given when it is built. */
export interface ServerAttestorDeps {
  /** The server's trust domain name, e.g. `example.org`. */
  readonly trustDomain: string;
  readonly logger: PluginLogger;
  readonly joinTokens: JoinTokenStore;
  readonly attestedNodes: AttestedNodeLookup;
  /** Current time in milliseconds; tests inject a fixed clock. */
  readonly now: () => number;
  /**
   * The X.509 authorities of the server's own trust domain bundle, as of now (x509pop `mode = "spiffe"`);
   * absent where no CA runs (`validate`).
   */
  readonly x509Authorities?: () => readonly X509Certificate[];
}

/** Everything an agent-side node attestor is given when it is built. */
export interface AgentAttestorDeps {
  readonly trustDomain: string;
  readonly logger: PluginLogger;
  /** Join token given on the command line (`-joinToken`) or in `agent { join_token }`, if any. */
  readonly joinToken?: string;
  readonly now: () => number;
}

/**
 * Server half of a node attestor: verifies the evidence and derives the agent ID and selectors.
 * Errors are {@link LanyardError}s: PermissionDenied for evidence that does not verify (naming why),
 * InvalidArgument for malformed payloads.
 */
export interface NodeAttestorServer {
  readonly name: string;
  attest(payload: Buffer, challenge: ChallengeExchange): Promise<NodeAttestationResult>;
}
