import { agentIdFor } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';

/** Plugin name as SPIRE spells it (`NodeAttestor "join_token"`, `AttestationData.type`). */
export const JOIN_TOKEN_PLUGIN_NAME = 'join_token';

const TOKEN_PATTERN = /^[A-Za-z0-9._-]+$/;

/**
 * Checks that a join token can be used as a SPIFFE ID path segment (UUIDs and SPIRE-style custom tokens can).
 * The token itself never appears in the error message.
 * @throws InvalidArgumentError when the token is empty, `.`/`..` or has characters outside `[A-Za-z0-9._-]`.
 */
export function assertValidJoinToken(token: string, field = 'join token'): void {
  if (token.length === 0) throw new InvalidArgumentError(`${field} is empty`, 'ERR_JOIN_TOKEN_EMPTY');
  if (!TOKEN_PATTERN.test(token) || token === '.' || token === '..') {
    throw new InvalidArgumentError(
      `${field} must contain only letters, numbers, dots, dashes and underscores`,
      'ERR_JOIN_TOKEN_CHARS',
    );
  }
}

/** The agent ID a join token attests to: `spiffe://<td>/spire/agent/join_token/<token>`. */
export function joinTokenAgentId(trustDomain: string, token: string): string {
  return agentIdFor(trustDomain, JOIN_TOKEN_PLUGIN_NAME, token);
}
