import * as crypto from 'node:crypto';
import { encodePemBlocks, InvalidArgumentError } from '@lanyard/base';

/** The agent's own X509-SVID (from AttestAgent or RenewAgent) with its private key. */
export interface AgentSvid {
  /** Agent SPIFFE ID, e.g. `spiffe://example.org/spire/agent/join_token/…`. */
  readonly spiffeId: string;
  /** Leaf first, then intermediates; DER each (private copies). */
  readonly certChainDer: readonly Buffer[];
  readonly privateKey: crypto.KeyObject;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
  /** Whether the server allows this agent to attest again (from the attestation result). */
  readonly reattestable: boolean;
}

/**
 * Builds an {@link AgentSvid} from a chain and key, checking the key matches the leaf and reading the leaf's
 * SPIFFE ID and validity.
 * @throws InvalidArgumentError when the chain is empty or malformed or the key does not match.
 */
export function createAgentSvid(
  certChainDer: readonly Buffer[],
  privateKey: crypto.KeyObject,
  reattestable: boolean,
): AgentSvid {
  if (certChainDer.length === 0) throw new InvalidArgumentError('agent svid: empty certificate chain');
  const chain = certChainDer.map((der) => Buffer.from(der));
  let leaf: crypto.X509Certificate;
  try {
    leaf = new crypto.X509Certificate(chain[0]);
  } catch (err) {
    throw new InvalidArgumentError(`agent svid: leaf certificate does not parse: ${(err as Error).message}`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new InvalidArgumentError('agent svid: private key does not match the leaf certificate');
  }
  const uri = (leaf.subjectAltName ?? '').split(', ').find((san) => san.startsWith('URI:spiffe://'));
  if (uri === undefined) throw new InvalidArgumentError('agent svid: leaf has no SPIFFE ID');
  return {
    spiffeId: uri.slice(4),
    certChainDer: chain,
    privateKey,
    issuedAt: new Date(leaf.validFrom),
    expiresAt: new Date(leaf.validTo),
    reattestable,
  };
}

/**
 * The agent ID as it may appear in logs: a join token agent ID embeds the token, which is a secret, so its
 * last path segment is masked.
 */
export function loggableAgentId(spiffeId: string): string {
  return spiffeId.replace(/(\/spire\/agent\/join_token\/)[^/]+$/, '$1<redacted>');
}

/** Masks the token of every join token agent ID in a text (error messages from the server). */
export { redactJoinTokens } from '@lanyard/common';

/** PEM of a DER chain, leaf first. */
export function chainToPem(chain: readonly Buffer[]): string {
  return encodePemBlocks('CERTIFICATE', chain);
}
