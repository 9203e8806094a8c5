import * as grpc from '@grpc/grpc-js';
import { LanyardError } from '@lanyard/base';
import type { PluginLogger } from '@lanyard/attestor-core';
import type { SpiffeWorkloadAPIHandlers } from '@lanyard/proto';
import type { IdentityCache } from '../manager/cache';
import { checkSecurityHeader, type CallerResolver } from './caller';
import {
  checkJwtSvidRequest,
  checkValidateRequest,
  fetchJwtSvids,
  validateJwt,
  type JwtHandlerDeps,
} from './jwt-handlers';
import { toServiceError } from './status';
import { jwtBundleSteps, x509BundleSteps, x509SvidSteps } from './stream-steps';
import { pumpUpdates, type StepFunction } from './stream';
import type { AttestedCaller } from './caller';

/** Everything the Workload API handlers need. */
export interface WorkloadHandlerDeps extends JwtHandlerDeps {
  readonly cache: IdentityCache;
  readonly resolver: CallerResolver;
  readonly logger: PluginLogger;
  /** `allow_unauthenticated_verifiers`: bundle streams for callers without an identity. */
  readonly allowUnauthenticatedVerifiers: boolean;
  /** Live streams (for shutdown and leak checks). */
  readonly streams: Set<object>;
}

/** The RPC exists in the protocol but this agent does not serve it. */
class UnimplementedError extends LanyardError {
  constructor(message: string) {
    super(grpc.status.UNIMPLEMENTED, 'ERR_UNIMPLEMENTED', message);
  }
}

/** Attests the caller of a server stream, then pumps cache updates through `steps`. */
function streamHandler<Req, Res>(
  deps: WorkloadHandlerDeps,
  steps: (caller: AttestedCaller) => StepFunction<Res>,
): grpc.handleServerStreamingCall<Req, Res> {
  return (call) => {
    deps.resolver.resolve(call).then(
      (caller) => pumpUpdates(call, deps, caller.selectors, steps(caller)),
      (err: unknown) => call.emit('error', toServiceError(err, deps.logger, call.getPath())),
    );
  };
}

/** Runs a unary handler body and maps its outcome to the callback. */
function unaryHandler<Req, Res>(
  deps: WorkloadHandlerDeps,
  name: string,
  body: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    body(call).then(
      (response) => callback(null, response),
      (err: unknown) => callback(toServiceError(err, deps.logger, name)),
    );
  };
}

/** The optional WIT-SVID profile RPCs: registered so they answer like SPIRE (header check, then UNIMPLEMENTED). */
export const WIT_METHODS: Readonly<Record<string, string>> = {
  '/SpiffeWorkloadAPI/FetchWITSVID': 'fetching WIT-SVIDs is not implemented',
  '/SpiffeWorkloadAPI/FetchWITBundles': 'fetching WIT bundles is not implemented',
};

/** Registers the WIT RPCs on `server` (raw bytes in and out; they never send a message). */
export function registerWitMethods(server: grpc.Server, deps: Pick<WorkloadHandlerDeps, 'logger'>): void {
  const raw = (b: Buffer): Buffer => b;
  for (const [path, message] of Object.entries(WIT_METHODS)) {
    const handler: grpc.handleServerStreamingCall<Buffer, Buffer> = (call) => {
      try {
        checkSecurityHeader(call.metadata);
        throw new UnimplementedError(message);
      } catch (err) {
        call.emit('error', toServiceError(err, deps.logger, path));
      }
    };
    server.register(path, handler, raw, raw, 'serverStream');
  }
}

/** The five SpiffeWorkloadAPI handlers (SPIFFE.md §5, SPIRE-COMPAT.md §6). */
export function createWorkloadHandlers(deps: WorkloadHandlerDeps): SpiffeWorkloadAPIHandlers {
  const allow = deps.allowUnauthenticatedVerifiers;
  return {
    FetchX509SVID: streamHandler(deps, (caller) => x509SvidSteps(deps.logger, caller)),
    FetchX509Bundles: streamHandler(deps, (caller) => x509BundleSteps(deps.logger, caller, allow)),
    FetchJWTBundles: streamHandler(deps, (caller) => jwtBundleSteps(deps.logger, caller, allow)),
    FetchJWTSVID: unaryHandler(deps, 'FetchJWTSVID', async (call) => {
      checkSecurityHeader(call.metadata);
      checkJwtSvidRequest(call.request);
      const caller = await deps.resolver.resolve(call);
      return fetchJwtSvids(deps, caller, call.request);
    }),
    ValidateJWTSVID: unaryHandler(deps, 'ValidateJWTSVID', async (call) => {
      checkSecurityHeader(call.metadata);
      checkValidateRequest(call.request);
      await deps.resolver.resolve(call);
      return validateJwt(deps, call.request);
    }),
  };
}
