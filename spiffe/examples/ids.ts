import { SpiffeId, SpiffeIdError, TrustDomain } from '@lanyard/spiffe/id';

/** Parses, builds and refuses SPIFFE IDs (no gRPC is loaded by `@lanyard/spiffe/id`). */
export function idsExample(): { id: string; built: string; rule: string; code: string } {
  const id = SpiffeId.parse('spiffe://example.org/ns/prod/sa/web');
  const td = TrustDomain.parse('example.org');
  const built = SpiffeId.fromSegments(td, 'ns', 'prod').toString(); // 'spiffe://example.org/ns/prod'
  try {
    SpiffeId.parse('spiffe://example.org/a/../b');
    throw new Error('unreachable');
  } catch (err) {
    if (!(err instanceof SpiffeIdError)) throw err;
    // err.rule === 'dot-segment', err.code === 'ERR_SPIFFE_ID_DOT_SEGMENT', err.grpcStatus === 3
    return { id: id.toString(), built, rule: err.rule, code: err.code };
  }
}
