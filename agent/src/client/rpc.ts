/**
 * How the agent reports failed calls to the server: the gRPC bridge's text and error mapping, with join token
 * agent IDs masked (the token is a secret).
 */
import { formatRpcError, fromServiceError } from '@lanyard/base/grpc';
import type { LanyardError } from '@lanyard/base';
import { redactJoinTokens } from '../attestor/agent-svid';

/** Default deadline of unary calls to the server. */
export const RPC_TIMEOUT_MS = 30_000;

/** A server error as text: `rpc error: code = <Code> desc = <details>`, like SPIRE logs it; join tokens masked. */
export function describeRpcError(err: unknown): string {
  return redactJoinTokens(formatRpcError(err));
}

/** Converts a gRPC error from the server to the LanyardError with the same status, keeping the message. */
export function toLanyardError(err: unknown, prefix: string): LanyardError {
  return fromServiceError(err, prefix, describeRpcError);
}
