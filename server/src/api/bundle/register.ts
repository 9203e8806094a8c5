import type * as grpc from '@grpc/grpc-js';
import type { RpcBoundary } from '../boundary';
import type { ApiDeps } from '../deps';
import { specsFor } from '../specs';
import { BundleApi } from './bundle';
import { unimplemented } from '../status';

type Req<K extends keyof BundleApi> = BundleApi[K] extends (req: infer R, ...rest: never[]) => unknown
  ? R
  : never;

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
    CountBundles: boundary.unary(spec('CountBundles'), () => api.countBundles()),
    GetBundle: boundary.unary(spec('GetBundle'), (req: Req<'getBundle'>) => api.getBundle(req)),
    AppendBundle: boundary.unary(spec('AppendBundle'), (req: Req<'appendBundle'>) => api.appendBundle(req)),
    PublishJWTAuthority: boundary.unary(spec('PublishJWTAuthority'), (req: Req<'publishJwtAuthority'>, ctx) =>
      api.publishJwtAuthority(req, ctx),
    ),
    PublishWITAuthority: boundary.unary(spec('PublishWITAuthority'), () =>
      unimplemented('publishing WIT authorities'),
    ),
    ListFederatedBundles: boundary.unary(spec('ListFederatedBundles'), (req: Req<'listFederatedBundles'>) =>
      api.listFederatedBundles(req),
    ),
    GetFederatedBundle: boundary.unary(spec('GetFederatedBundle'), (req: Req<'getFederatedBundle'>) =>
      api.getFederatedBundle(req),
    ),
    BatchCreateFederatedBundle: boundary.unary(
      spec('BatchCreateFederatedBundle'),
      (req: Req<'batchCreate'>) => api.batchCreate(req),
    ),
    BatchUpdateFederatedBundle: boundary.unary(
      spec('BatchUpdateFederatedBundle'),
      (req: Req<'batchUpdate'>) => api.batchUpdate(req),
    ),
    BatchSetFederatedBundle: boundary.unary(spec('BatchSetFederatedBundle'), (req: Req<'batchSet'>) =>
      api.batchSet(req),
    ),
    BatchDeleteFederatedBundle: boundary.unary(
      spec('BatchDeleteFederatedBundle'),
      (req: Req<'batchDelete'>) => api.batchDelete(req),
    ),
  });
}
