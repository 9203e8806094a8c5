import type { PluginLogger } from '@lanyard/attestor-core';
import type { JWTBundlesResponse, SpiffeWorkloadAPIHandlers } from '@lanyard/proto';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { WorkloadUpdate } from '../manager/cache';
import type { AttestedCaller } from './caller';
import { bundleMap, bundleSteps } from './bundles';
import { streamHandler, type WorkloadHandlerDeps } from './rpc-wrappers';
import type { StepFunction } from './stream';

const jwksCache = new WeakMap<SpiffeBundle, Buffer>();

/** The bundle's JWT keys as a plain RFC 7517 JWK Set (`kid` on every key, `{"keys":[]}` when none). */
export function jwksJson(bundle: SpiffeBundle): Buffer {
  let json = jwksCache.get(bundle);
  if (!json) {
    json = Buffer.from(bundle.toJwtBundle().marshal());
    jwksCache.set(bundle, json);
  }
  return json;
}

/** JWTBundlesResponse: own and federated JWK Sets. */
export function renderJwtBundlesResponse(update: WorkloadUpdate, bundle: SpiffeBundle): JWTBundlesResponse {
  return { bundles: bundleMap(update, bundle, jwksJson) };
}

/** FetchJWTBundles steps. */
export function jwtBundleSteps(
  logger: PluginLogger,
  caller: AttestedCaller,
  allowUnauthenticated: boolean,
): StepFunction<JWTBundlesResponse> {
  return bundleSteps(logger, caller, allowUnauthenticated, (u) => renderJwtBundlesResponse(u, u.bundle!));
}

/** FetchJWTBundles: the own and federated JWK Sets, re-sent whenever they change. */
export function fetchJwtBundlesHandler(
  deps: WorkloadHandlerDeps,
): SpiffeWorkloadAPIHandlers['FetchJWTBundles'] {
  return streamHandler(deps, (caller) =>
    jwtBundleSteps(deps.logger, caller, deps.allowUnauthenticatedVerifiers),
  );
}
