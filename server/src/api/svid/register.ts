import type * as grpc from '@grpc/grpc-js';
import type { RpcBoundary, RpcContext } from '../boundary';
import type { ApiDeps } from '../deps';
import { specsFor } from '../specs';
import { SvidApi } from './svid';
import { jwtDisabled, unimplemented } from '../status';

/** Registers `spire.api.server.svid.v1.SVID` on `server`. */
export function registerSvidService(
  server: grpc.Server,
  definition: grpc.ServiceDefinition,
  boundary: RpcBoundary,
  deps: ApiDeps,
): void {
  const spec = specsFor('svid', 'SVID');
  const api = new SvidApi(deps);
  /** With `disable_jwt_svids`, JWT RPCs answer Unimplemented like SPIRE. */
  const jwt = <Req, Res>(impl: (req: Req, ctx: RpcContext) => Promise<Res>) =>
    deps.disableJwtSvids ? (): Promise<Res> => jwtDisabled() : impl;
  server.addService(definition, {
    MintX509SVID: boundary.unary(spec('MintX509SVID'), (req: Parameters<SvidApi['mintX509Svid']>[0], ctx) =>
      api.mintX509Svid(req, ctx),
    ),
    MintJWTSVID: boundary.unary(
      spec('MintJWTSVID'),
      jwt((req: Parameters<SvidApi['mintJwtSvid']>[0], ctx: RpcContext) => api.mintJwtSvid(req, ctx)),
    ),
    MintWITSVID: boundary.unary(spec('MintWITSVID'), () => unimplemented('minting WIT-SVIDs')),
    BatchNewX509SVID: boundary.unary(
      spec('BatchNewX509SVID'),
      (req: Parameters<SvidApi['batchNewX509Svid']>[0], ctx) => api.batchNewX509Svid(req, ctx),
    ),
    NewJWTSVID: boundary.unary(
      spec('NewJWTSVID'),
      jwt((req: Parameters<SvidApi['newJwtSvid']>[0], ctx: RpcContext) => api.newJwtSvid(req, ctx)),
    ),
    BatchNewWITSVID: boundary.unary(spec('BatchNewWITSVID'), () => unimplemented('issuing WIT-SVIDs')),
    NewDownstreamX509CA: boundary.unary(
      spec('NewDownstreamX509CA'),
      (req: Parameters<SvidApi['newDownstreamX509Ca']>[0], ctx) => api.newDownstreamX509Ca(req, ctx),
    ),
  });
}
