import type { PluginLogger } from '@lanyard/attestor-core';
import type { X509BundlesResponse, SpiffeWorkloadAPIHandlers } from '@lanyard/proto';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { WorkloadUpdate } from '../manager/cache';
import type { AttestedCaller } from './caller';
import { bundleMap, bundleSteps, rootsDer } from './bundles';
import { streamHandler, type WorkloadHandlerDeps } from './rpc-wrappers';
import type { StepFunction } from './stream';

/** X509BundlesResponse: own and federated roots. */
export function renderX509BundlesResponse(update: WorkloadUpdate, bundle: SpiffeBundle): X509BundlesResponse {
  return { crl: [], bundles: bundleMap(update, bundle, rootsDer) };
}

/** FetchX509Bundles steps. */
export function x509BundleSteps(
  logger: PluginLogger,
  caller: AttestedCaller,
  allowUnauthenticated: boolean,
): StepFunction<X509BundlesResponse> {
  return bundleSteps(logger, caller, allowUnauthenticated, (u) => renderX509BundlesResponse(u, u.bundle!));
}

/** FetchX509Bundles: the own and federated X.509 roots, re-sent whenever they change. */
export function fetchX509BundlesHandler(
  deps: WorkloadHandlerDeps,
): SpiffeWorkloadAPIHandlers['FetchX509Bundles'] {
  return streamHandler(deps, (caller) =>
    x509BundleSteps(deps.logger, caller, deps.allowUnauthenticatedVerifiers),
  );
}
