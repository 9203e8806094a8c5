import type * as grpc from '@grpc/grpc-js';
import { rejectMalformed } from '@lanyard/base/grpc';
import type { PluginLogger } from '@lanyard/attestor-core';
import type { IdentityCache } from '../manager/cache';
import type { AttestedCaller, CallerResolver } from './caller';
import type { JwtSvidService } from './jwt-svid-service';
import type { WorkloadTrail } from './trail';
import { toCallStatus } from './status';
import { pumpUpdates, type StepFunction } from './stream';
import { AgentTelemetry } from '../telemetry';
import { codeName, statusOf } from '@lanyard/base/grpc';

/** Everything the Workload API handlers need. */
export interface WorkloadHandlerDeps {
  readonly cache: IdentityCache;
  readonly resolver: CallerResolver;
  readonly logger: PluginLogger;
  /** Minted JWT-SVIDs, cached per SPIFFE ID and audience. */
  readonly jwt: JwtSvidService;
  /** `allow_unauthenticated_verifiers`: bundle streams for callers without an identity. */
  readonly allowUnauthenticatedVerifiers: boolean;
  /** `allowed_foreign_jwt_claims`. */
  readonly allowedForeignJwtClaims: ReadonlySet<string>;
  /** Live streams (for shutdown and leak checks). */
  readonly streams: Set<object>;
  /** `audit_trail`: identity events; none when absent. */
  readonly trail?: WorkloadTrail;
  /** Per-call metrics (`spire_agent_rpc_workload_api_*`); none when absent. */
  readonly telemetry?: AgentTelemetry;
}

/**
 * Records a stream's metric when it ends: by an error status (its code name) or by the client (`Canceled`).
 * Workload API streams never end successfully from the server side.
 */
function measureStream(deps: WorkloadHandlerDeps, call: grpc.ServerWritableStream<unknown, unknown>): void {
  if (!deps.telemetry) return;
  const end = deps.telemetry.startCall(AgentTelemetry.workloadApiKey(call.getPath()));
  call.once('error', (err: unknown) => end(codeName(statusOf(err))));
  call.once('cancelled', () => end('Canceled'));
}

/** Wraps a stream's steps so that a stream ended with an error is recorded as a denial in the trail. */
function recordingEnds<Res>(
  trail: WorkloadTrail,
  method: string,
  caller: AttestedCaller,
  steps: StepFunction<Res>,
): StepFunction<Res> {
  return (update) => {
    const step = steps(update);
    if (step.kind === 'end') trail.denied(method, step.error, caller.connection, caller.selectors);
    return step;
  };
}

/** Resolves when the request decoded; rejects with INVALID_ARGUMENT when its bytes were not a valid message. */
async function wellFormed(call: { request: unknown }): Promise<void> {
  rejectMalformed(call.request);
}

/** Attests the caller of a well-formed request (InvalidArgument for one that did not decode). */
async function attestWellFormed<Req, Res>(
  deps: WorkloadHandlerDeps,
  call: grpc.ServerWritableStream<Req, Res>,
): Promise<AttestedCaller> {
  await wellFormed(call);
  return deps.resolver.resolve(call);
}

/** Attests the caller of a server stream, then pumps cache updates through `steps`. */
export function streamHandler<Req, Res>(
  deps: WorkloadHandlerDeps,
  steps: (caller: AttestedCaller) => StepFunction<Res>,
): grpc.handleServerStreamingCall<Req, Res> {
  return (call) => {
    measureStream(deps, call as grpc.ServerWritableStream<unknown, unknown>);
    const trail = deps.trail;
    attestWellFormed(deps, call).then(
      (caller) => {
        const own = steps(caller);
        const step = trail ? recordingEnds(trail, call.getPath(), caller, own) : own;
        pumpUpdates(call, deps, caller.selectors, step);
      },
      (err: unknown) => {
        trail?.denied(call.getPath(), err, deps.resolver.connectionOf(call));
        call.emit('error', toCallStatus(err, deps.logger, call.getPath()));
      },
    );
  };
}

/** Runs a unary handler body and maps its outcome to the callback. */
export function unaryHandler<Req, Res>(
  deps: WorkloadHandlerDeps,
  name: string,
  body: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>,
): grpc.handleUnaryCall<Req, Res> {
  return (call, callback) => {
    const run = () => wellFormed(call).then(() => body(call));
    const measured = deps.telemetry
      ? deps.telemetry.measure(AgentTelemetry.workloadApiKey(call.getPath()), run)
      : run();
    measured.then(
      (response) => callback(null, response),
      (err: unknown) => {
        deps.trail?.denied(name, err, deps.resolver.connectionOf(call));
        callback(toCallStatus(err, deps.logger, name));
      },
    );
  };
}
