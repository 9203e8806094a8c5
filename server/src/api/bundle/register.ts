import type * as grpc from '@grpc/grpc-js';
import type { RpcBoundary } from '../boundary';
import type { ApiDeps } from '../deps';
import { ROLES, specsFor } from '../specs';
import { BundleApi } from './bundle';
import { unimplemented } from '../status';

type Req<K extends keyof BundleApi> = BundleApi[K] extends (req: infer R) => unknown ? R : never;

/** Registers `spire.api.server.bundle.v1.Bundle` on `server`. */
export function registerBundleService(
  server: grpc.Server,
  definition: grpc.ServiceDefinition,
  boundary: RpcBoundary,
  deps: ApiDeps,
): void {
  const spec = specsFor('bundle');
  const api = new BundleApi(deps);
  server.addService(definition, {
    CountBundles: boundary.unary(spec('CountBundles', ROLES.admin), () => api.countBundles()),
    GetBundle: boundary.unary(spec('GetBundle', ROLES.any), (req: Req<'getBundle'>) => api.getBundle(req)),
    AppendBundle: boundary.unary(spec('AppendBundle', ROLES.admin), (req: Req<'appendBundle'>) =>
      api.appendBundle(req),
    ),
    PublishJWTAuthority: boundary.unary(
      spec('PublishJWTAuthority', ROLES.adminOrDownstream),
      (req: Req<'publishJwtAuthority'>) => api.publishJwtAuthority(req),
    ),
    PublishWITAuthority: boundary.unary(spec('PublishWITAuthority', ROLES.adminOrDownstream), () =>
      unimplemented('publishing WIT authorities'),
    ),
    ListFederatedBundles: boundary.unary(
      spec('ListFederatedBundles', ROLES.admin),
      (req: Req<'listFederatedBundles'>) => api.listFederatedBundles(req),
    ),
    GetFederatedBundle: boundary.unary(
      spec('GetFederatedBundle', ROLES.adminAgentOrDownstream),
      (req: Req<'getFederatedBundle'>) => api.getFederatedBundle(req),
    ),
    BatchCreateFederatedBundle: boundary.unary(
      spec('BatchCreateFederatedBundle', ROLES.admin),
      (req: Req<'batchCreate'>) => api.batchCreate(req),
    ),
    BatchUpdateFederatedBundle: boundary.unary(
      spec('BatchUpdateFederatedBundle', ROLES.admin),
      (req: Req<'batchUpdate'>) => api.batchUpdate(req),
    ),
    BatchSetFederatedBundle: boundary.unary(
      spec('BatchSetFederatedBundle', ROLES.admin),
      (req: Req<'batchSet'>) => api.batchSet(req),
    ),
    BatchDeleteFederatedBundle: boundary.unary(
      spec('BatchDeleteFederatedBundle', ROLES.admin),
      (req: Req<'batchDelete'>) => api.batchDelete(req),
    ),
  });
}
