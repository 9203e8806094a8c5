import type * as grpc from '@grpc/grpc-js';
import type { RpcBoundary } from '../boundary';
import type { ApiDeps } from '../deps';
import { ROLES, specsFor } from '../specs';
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
    ListFederationRelationships: boundary.unary(
      spec('ListFederationRelationships', ROLES.admin),
      (req: Req<'list'>) => api.list(req),
    ),
    GetFederationRelationship: boundary.unary(
      spec('GetFederationRelationship', ROLES.admin),
      (req: Req<'get'>) => api.get(req),
    ),
    BatchCreateFederationRelationship: boundary.unary(
      spec('BatchCreateFederationRelationship', ROLES.admin),
      (req: Req<'batchCreate'>, ctx) => api.batchCreate(req, ctx),
    ),
    BatchUpdateFederationRelationship: boundary.unary(
      spec('BatchUpdateFederationRelationship', ROLES.admin),
      (req: Req<'batchUpdate'>, ctx) => api.batchUpdate(req, ctx),
    ),
    BatchDeleteFederationRelationship: boundary.unary(
      spec('BatchDeleteFederationRelationship', ROLES.admin),
      (req: Req<'batchDelete'>, ctx) => api.batchDelete(req, ctx),
    ),
    RefreshBundle: boundary.unary(spec('RefreshBundle', ROLES.admin), (req: Req<'refreshBundle'>) =>
      api.refreshBundle(req),
    ),
  });
}
