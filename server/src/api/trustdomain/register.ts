import type * as grpc from '@grpc/grpc-js';
import type { RpcBoundary } from '../boundary';
import type { ApiDeps } from '../deps';
import { specsFor } from '../specs';
import { TrustDomainApi } from './trustdomain';

type Req<K extends keyof TrustDomainApi> = TrustDomainApi[K] extends (
  req: infer R,
  ...rest: never[]
) => unknown
  ? R
  : never;

/** Registers `spire.api.server.trustdomain.v1.TrustDomain` on `server`. */
export function registerTrustDomainService(
  server: grpc.Server,
  definition: grpc.ServiceDefinition,
  boundary: RpcBoundary,
  deps: ApiDeps,
): void {
  const spec = specsFor('trustdomain', 'TrustDomain');
  const api = new TrustDomainApi(deps);
  server.addService(definition, {
    ListFederationRelationships: boundary.unary(spec('ListFederationRelationships'), (req: Req<'list'>) =>
      api.list(req),
    ),
    GetFederationRelationship: boundary.unary(spec('GetFederationRelationship'), (req: Req<'get'>) =>
      api.get(req),
    ),
    BatchCreateFederationRelationship: boundary.unary(
      spec('BatchCreateFederationRelationship'),
      (req: Req<'batchCreate'>, ctx) => api.batchCreate(req, ctx),
    ),
    BatchUpdateFederationRelationship: boundary.unary(
      spec('BatchUpdateFederationRelationship'),
      (req: Req<'batchUpdate'>, ctx) => api.batchUpdate(req, ctx),
    ),
    BatchDeleteFederationRelationship: boundary.unary(
      spec('BatchDeleteFederationRelationship'),
      (req: Req<'batchDelete'>, ctx) => api.batchDelete(req, ctx),
    ),
    RefreshBundle: boundary.unary(spec('RefreshBundle'), (req: Req<'refreshBundle'>) =>
      api.refreshBundle(req),
    ),
  });
}
