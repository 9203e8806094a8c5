import type { SpiffeWorkloadAPIHandlers } from '@lanyard/proto';
import { fetchJwtBundlesHandler } from './jwt-bundles';
import { fetchJwtSvidHandler } from './jwt-svid';
import type { WorkloadHandlerDeps } from './rpc-wrappers';
import { validateJwtSvidHandler } from './validate-jwt';
import { fetchX509BundlesHandler } from './x509-bundles';
import { fetchX509SvidHandler } from './x509-svid';

/** The five SpiffeWorkloadAPI handlers (SPIFFE.md §5, SPIRE-COMPAT.md §6), one file per RPC family. */
export function createWorkloadHandlers(deps: WorkloadHandlerDeps): SpiffeWorkloadAPIHandlers {
  return {
    FetchX509SVID: fetchX509SvidHandler(deps),
    FetchX509Bundles: fetchX509BundlesHandler(deps),
    FetchJWTBundles: fetchJwtBundlesHandler(deps),
    FetchJWTSVID: fetchJwtSvidHandler(deps),
    ValidateJWTSVID: validateJwtSvidHandler(deps),
  };
}
