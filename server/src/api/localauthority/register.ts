import type * as grpc from '@grpc/grpc-js';
import { FailedPreconditionError, InvalidArgumentError } from '@lanyard/base';
import type { AuthorityState } from '../../ca/types';
import { whoCalled } from '../../audit/trail-fields';
import type { RpcBoundary, RpcContext } from '../boundary';
import type { ApiDeps } from '../deps';
import { specsFor } from '../specs';
import { unimplemented } from '../status';
import { TrustDomain } from '@lanyard/spiffe/id';

/** `localauthority.v1.AuthorityState`. */
function stateToWire(state: AuthorityState | undefined) {
  if (state === undefined) return null;
  return {
    authority_id: state.authorityId,
    expires_at: state.expiresAt,
    upstream_authority_subject_key_id: state.upstreamAuthoritySubjectKeyId,
  };
}

function authorityId(req: { authority_id: string }): string {
  if (req.authority_id === '')
    throw new InvalidArgumentError('no authority ID provided', 'ERR_NO_AUTHORITY_ID');
  return req.authority_id;
}

type IdReq = { authority_id: string };

/** Registers `spire.api.server.localauthority.v1.LocalAuthority`: X.509 and JWT authority rotation by hand. */
export function registerLocalAuthorityService(
  server: grpc.Server,
  definition: grpc.ServiceDefinition,
  boundary: RpcBoundary,
  deps: ApiDeps,
): void {
  const spec = specsFor('localauthority', 'LocalAuthority');
  const ca = deps.ca;
  const states = (s: ReturnType<typeof ca.getX509AuthorityState>) => ({
    active: stateToWire(s.active),
    prepared: stateToWire(s.prepared),
    old: stateToWire(s.old),
  });
  const changed = <T>(value: T): T => {
    deps.onLocalBundleChanged?.();
    return value;
  };
  const ds = deps.datastore;
  const td = deps.trustDomain;
  /** Mirrors a taint/revoke into the stored bundle; another HA server may have done it already. */
  const mirror = async (op: () => Promise<void>): Promise<void> => {
    try {
      await op();
    } catch (err) {
      if (!(err instanceof FailedPreconditionError)) throw err;
    }
  };
  /** Trail line of a LocalAuthority change made through the API (activation is recorded from CA events). */
  const recorded = (
    event: 'ca_prepared' | 'ca_tainted' | 'ca_revoked',
    kind: 'x509' | 'jwt',
    state: AuthorityState,
    ctx: RpcContext,
  ): AuthorityState => {
    deps.trail?.record({
      event,
      spiffe_id: TrustDomain.parse(td).idString(),
      authority_kind: kind,
      authority_id: state.authorityId,
      expires_at: state.expiresAt,
      ...whoCalled(ctx.caller),
    });
    return state;
  };
  /** Upstream taint/revoke (CA checks: configured upstream, SKI of the root that signed the old authority). */
  const upstreamAuthorityOp =
    (action: 'taint' | 'revoke') =>
    async (req: { subject_key_id: string }): Promise<{ upstream_authority_subject_key_id: string }> => {
      const ski =
        action === 'taint'
          ? await ca.taintX509UpstreamAuthority(req.subject_key_id)
          : await ca.revokeX509UpstreamAuthority(req.subject_key_id);
      await mirror(() =>
        action === 'taint' ? ds.taintX509Authority(td, ski) : ds.revokeX509Authority(td, ski),
      );
      return changed({ upstream_authority_subject_key_id: ski });
    };
  server.addService(definition, {
    GetJWTAuthorityState: boundary.unary(spec('GetJWTAuthorityState'), async () =>
      states(ca.getJwtAuthorityState()),
    ),
    PrepareJWTAuthority: boundary.unary(spec('PrepareJWTAuthority'), async (_req: unknown, ctx) =>
      changed({
        prepared_authority: stateToWire(recorded('ca_prepared', 'jwt', await ca.prepareJwtAuthority(), ctx)),
      }),
    ),
    ActivateJWTAuthority: boundary.unary(spec('ActivateJWTAuthority'), async (req: IdReq) => ({
      activated_authority: stateToWire(await ca.activateJwtAuthority(authorityId(req))),
    })),
    TaintJWTAuthority: boundary.unary(spec('TaintJWTAuthority'), async (req: IdReq, ctx) => {
      const state = recorded('ca_tainted', 'jwt', await ca.taintJwtAuthority(authorityId(req)), ctx);
      await mirror(() => ds.taintJwtAuthority(td, state.authorityId));
      return changed({ tainted_authority: stateToWire(state) });
    }),
    RevokeJWTAuthority: boundary.unary(spec('RevokeJWTAuthority'), async (req: IdReq, ctx) => {
      const state = recorded('ca_revoked', 'jwt', await ca.revokeJwtAuthority(authorityId(req)), ctx);
      await mirror(() => ds.revokeJwtAuthority(td, state.authorityId));
      return changed({ revoked_authority: stateToWire(state) });
    }),
    GetX509AuthorityState: boundary.unary(spec('GetX509AuthorityState'), async () =>
      states(ca.getX509AuthorityState()),
    ),
    PrepareX509Authority: boundary.unary(spec('PrepareX509Authority'), async (_req: unknown, ctx) =>
      changed({
        prepared_authority: stateToWire(
          recorded('ca_prepared', 'x509', await ca.prepareX509Authority(), ctx),
        ),
      }),
    ),
    ActivateX509Authority: boundary.unary(spec('ActivateX509Authority'), async (req: IdReq) => ({
      activated_authority: stateToWire(await ca.activateX509Authority(authorityId(req))),
    })),
    TaintX509Authority: boundary.unary(spec('TaintX509Authority'), async (req: IdReq, ctx) => {
      const state = recorded('ca_tainted', 'x509', await ca.taintX509Authority(authorityId(req)), ctx);
      await mirror(() => ds.taintX509Authority(td, state.authorityId));
      return changed({ tainted_authority: stateToWire(state) });
    }),
    RevokeX509Authority: boundary.unary(spec('RevokeX509Authority'), async (req: IdReq, ctx) => {
      const state = recorded('ca_revoked', 'x509', await ca.revokeX509Authority(authorityId(req)), ctx);
      await mirror(() => ds.revokeX509Authority(td, state.authorityId));
      return changed({ revoked_authority: stateToWire(state) });
    }),
    TaintX509UpstreamAuthority: boundary.unary(
      spec('TaintX509UpstreamAuthority'),
      upstreamAuthorityOp('taint'),
    ),
    RevokeX509UpstreamAuthority: boundary.unary(
      spec('RevokeX509UpstreamAuthority'),
      upstreamAuthorityOp('revoke'),
    ),
    GetWITAuthorityState: boundary.unary(spec('GetWITAuthorityState'), () =>
      unimplemented('WIT authorities'),
    ),
    PrepareWITAuthority: boundary.unary(spec('PrepareWITAuthority'), () => unimplemented('WIT authorities')),
    ActivateWITAuthority: boundary.unary(spec('ActivateWITAuthority'), () =>
      unimplemented('WIT authorities'),
    ),
    TaintWITAuthority: boundary.unary(spec('TaintWITAuthority'), () => unimplemented('WIT authorities')),
    RevokeWITAuthority: boundary.unary(spec('RevokeWITAuthority'), () => unimplemented('WIT authorities')),
  });
}
