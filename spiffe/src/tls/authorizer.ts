import { AuthorizationError } from '../errors/authorization-error';
import { SpiffeId, TrustDomain } from '../id';

/**
 * Decides whether a peer, already authenticated by its X.509-SVID, may talk to us. Returns normally to allow;
 * throws (an AuthorizationError, `ERR_PEER_UNAUTHORIZED`) to refuse.
 */
export type Authorizer = (peerId: SpiffeId) => void;

function denied(peerId: SpiffeId, expectation: string): AuthorizationError {
  return new AuthorizationError(
    'ERR_PEER_UNAUTHORIZED',
    `peer "${peerId}" is not authorized: ${expectation}`,
  );
}

function toId(id: SpiffeId | string): SpiffeId {
  return typeof id === 'string' ? SpiffeId.parse(id) : id;
}

/** Allows any authenticated peer, from any trust domain we hold a bundle for. */
export function authorizeAny(): Authorizer {
  return () => undefined;
}

/** Allows exactly one SPIFFE ID. */
export function authorizeId(expected: SpiffeId | string): Authorizer {
  const id = toId(expected);
  return (peerId) => {
    if (!peerId.equals(id)) throw denied(peerId, `expected "${id}"`);
  };
}

/** Allows any of the given SPIFFE IDs. */
export function authorizeOneOf(...expected: Array<SpiffeId | string>): Authorizer {
  const ids = expected.map(toId);
  const names = new Set(ids.map(String));
  return (peerId) => {
    if (!names.has(peerId.toString()))
      throw denied(peerId, `expected one of ${ids.map((i) => `"${i}"`).join(', ')}`);
  };
}

/** Allows any SPIFFE ID of the given trust domain. */
export function authorizeMemberOf(trustDomain: TrustDomain | string): Authorizer {
  const td = typeof trustDomain === 'string' ? TrustDomain.parse(trustDomain) : trustDomain;
  return (peerId) => {
    if (!peerId.memberOf(td)) throw denied(peerId, `expected a member of trust domain "${td}"`);
  };
}

/** Allows peers for which `predicate` returns true; `description` explains refusals. */
export function authorizeIf(
  predicate: (peerId: SpiffeId) => boolean,
  description = 'custom rule',
): Authorizer {
  return (peerId) => {
    if (!predicate(peerId)) throw denied(peerId, description);
  };
}
