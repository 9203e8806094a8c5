import { TLSSocket } from 'node:tls';
import type { SurfaceCall } from '../api/boundary';

/** The HTTP/2 session a call arrived on: the key under which its peer's identity stays the same. */
export type CallSession = object;

interface InnerCall {
  nextCall?: unknown;
  stream?: { session?: { socket?: unknown } };
}

/**
 * The HTTP/2 session and its TLS socket behind a grpc-js server call, or undefined when they cannot be reached.
 *
 * grpc-js exposes the peer only through `getAuthContext()`, which builds Node's legacy certificate object
 * (`TLSSocket.getPeerCertificate()`, 12 % of the server's CPU in the many-agents steady state) on every call,
 * although the peer of an HTTP/2 session never changes (HTTP/2 forbids renegotiation). The session is reached
 * through grpc-js's own call objects (`call` → `nextCall`… → `stream.session`), a shape of the pinned major
 * that `server/test/endpoints/peer-identity.test.ts` checks on real calls.
 */
export function tlsSessionOf(call: SurfaceCall): { session: CallSession; socket: TLSSocket } | undefined {
  let inner = (call as { call?: unknown }).call as InnerCall | undefined;
  for (let depth = 0; depth < 8 && inner?.nextCall !== undefined; depth++) {
    inner = inner.nextCall as InnerCall;
  }
  const session = inner?.stream?.session;
  const socket = session?.socket;
  if (session === undefined || !(socket instanceof TLSSocket)) return undefined;
  return { session, socket };
}
