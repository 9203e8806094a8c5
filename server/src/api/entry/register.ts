import type * as grpc from '@grpc/grpc-js';
import type { RpcBoundary } from '../boundary';
import type { ApiDeps } from '../deps';
import { specsFor } from '../specs';
import { EntryCrud } from './crud';
import { AuthorizedEntriesApi, type SyncRequest, type SyncResponse } from './sync';

/** Registers `spire.api.server.entry.v1.Entry` on `server`. */
export function registerEntryService(
  server: grpc.Server,
  definition: grpc.ServiceDefinition,
  boundary: RpcBoundary,
  deps: ApiDeps,
): void {
  const spec = specsFor('entry');
  const crud = new EntryCrud(deps);
  const authorized = new AuthorizedEntriesApi(deps);
  server.addService(definition, {
    CountEntries: boundary.unary(spec('CountEntries'), (req: Parameters<EntryCrud['count']>[0]) =>
      crud.count(req),
    ),
    ListEntries: boundary.unary(spec('ListEntries'), (req: Parameters<EntryCrud['list']>[0]) =>
      crud.list(req),
    ),
    GetEntry: boundary.unary(spec('GetEntry'), (req: Parameters<EntryCrud['get']>[0]) => crud.get(req)),
    BatchCreateEntry: boundary.unary(
      spec('BatchCreateEntry'),
      (req: Parameters<EntryCrud['batchCreate']>[0], ctx) => crud.batchCreate(req, ctx),
    ),
    BatchUpdateEntry: boundary.unary(
      spec('BatchUpdateEntry'),
      (req: Parameters<EntryCrud['batchUpdate']>[0], ctx) => crud.batchUpdate(req, ctx),
    ),
    BatchDeleteEntry: boundary.unary(
      spec('BatchDeleteEntry'),
      (req: Parameters<EntryCrud['batchDelete']>[0], ctx) => crud.batchDelete(req, ctx),
    ),
    GetAuthorizedEntries: boundary.unary(
      spec('GetAuthorizedEntries'),
      (req: Parameters<AuthorizedEntriesApi['getAuthorized']>[0], ctx) => authorized.getAuthorized(req, ctx),
    ),
    SyncAuthorizedEntries: boundary.bidi<SyncRequest, SyncResponse>(
      spec('SyncAuthorizedEntries'),
      (call, ctx) => authorized.sync(call, ctx),
    ),
  });
}
