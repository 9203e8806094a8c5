/** `spire.api.agent.delegatedidentity.v1.DelegatedIdentity` on the admin socket. */
import type * as grpc from '@grpc/grpc-js';
import type { PluginLogger, Selector } from '@lanyard/attestor-core';
import { loadSpireAgentApis, type DelegatedIdentityHandlers } from '@lanyard/proto';
import type { IdentityCache } from '../../manager/cache';
import type { JwtSvidService } from '../../workload';
import { toCallStatus } from '../../workload/status';
import { pumpUpdates, type StepFunction, type StreamDeps } from '../../workload/stream';
import type { AdminApiServer } from '../server';
import { DelegateAuthorizer } from './authorize';
import { jwtBundleStreamSteps, x509BundleStreamSteps } from './bundles';
import { checkAudience, fetchDelegatedJwtSvids } from './jwt-svids';
import { resolveTarget, type DelegatedTarget } from './target';
import { delegatedX509Steps } from './x509-svids';

/** Default bound of messages written to a delegated stream and not yet taken by the transport. */
export const DEFAULT_MAX_PENDING_MESSAGES = 16;

/** What the Delegated Identity service needs besides the admin server. */
export interface DelegatedIdentityOptions {
  readonly cache: IdentityCache;
  /** The agent's JWT-SVID service (shared token cache). */
  readonly jwt: JwtSvidService;
  /** `authorized_delegates`: SPIFFE IDs allowed to call. */
  readonly authorizedDelegates: readonly string[];
  readonly logger: PluginLogger;
  /** Unread messages allowed per stream before it is closed; default {@link DEFAULT_MAX_PENDING_MESSAGES}. */
  readonly maxPendingMessages?: number;
}

/** Authorizes, then pumps updates of `selectors` through the steps built for the delegate. */
function delegatedStream<Req, Res>(
  authorizer: DelegateAuthorizer,
  deps: StreamDeps,
  build: (
    request: Req,
    recheck: () => void,
  ) => Promise<{ selectors: readonly Selector[]; steps: StepFunction<Res> }>,
): grpc.handleServerStreamingCall<Req, Res> {
  return (call) => {
    authorizer
      .authorize(call)
      .then(async (delegate) => {
        const { selectors, steps } = await build(call.request, () => authorizer.check(delegate));
        pumpUpdates(call, deps, selectors, steps);
      })
      .catch((err: unknown) => call.emit('error', toCallStatus(err, deps.logger, call.getPath())));
  };
}

/** The four handlers. */
export function createDelegatedIdentityHandlers(
  admin: AdminApiServer,
  options: DelegatedIdentityOptions,
): DelegatedIdentityHandlers {
  const { cache, logger } = options;
  const authorizer = new DelegateAuthorizer(cache, options.authorizedDelegates, admin.callers, logger);
  const deps: StreamDeps = {
    cache,
    logger,
    streams: admin.streams,
    maxPendingMessages: options.maxPendingMessages ?? DEFAULT_MAX_PENDING_MESSAGES,
  };
  const target = (request: DelegatedTarget) => resolveTarget(request, admin.attestation, admin.procRoot);
  return {
    SubscribeToX509SVIDs: delegatedStream(authorizer, deps, async (request, recheck) => ({
      selectors: await target(request),
      steps: delegatedX509Steps(recheck),
    })),
    SubscribeToX509Bundles: delegatedStream(authorizer, deps, async (_request, recheck) => ({
      selectors: [],
      steps: x509BundleStreamSteps(cache, recheck),
    })),
    SubscribeToJWTBundles: delegatedStream(authorizer, deps, async (_request, recheck) => ({
      selectors: [],
      steps: jwtBundleStreamSteps(cache, recheck),
    })),
    FetchJWTSVIDs: (call, callback) => {
      (async () => {
        checkAudience(call.request.audience);
        await authorizer.authorize(call);
        const selectors = await target(call.request);
        return fetchDelegatedJwtSvids(cache, options.jwt, selectors, call.request.audience);
      })().then(
        (response) => callback(null, response),
        (err: unknown) => callback(toCallStatus(err, logger, 'FetchJWTSVIDs')),
      );
    },
  };
}

/** Registers the Delegated Identity API on the admin server (before it starts). */
export function registerDelegatedIdentityService(
  admin: AdminApiServer,
  options: DelegatedIdentityOptions,
): void {
  admin.grpcServer.addService(
    loadSpireAgentApis().spire.api.agent.delegatedidentity.v1.DelegatedIdentity.service,
    createDelegatedIdentityHandlers(admin, options),
  );
}
