import type * as grpc from '@grpc/grpc-js';
import type { RpcBoundary } from '../boundary';
import { serviceSpecs } from '../specs';
import type { WatchResponse } from './agent-watch';
import { watchEntries, type WatchRequest } from './service';
import type { EntryWatchHub } from './watch-hub';

/** Fully qualified name of Lanyard's entry watch service (a Lanyard extension; SPIRE agents never call it). */
export const ENTRY_WATCH_SERVICE = 'lanyard.agent.v1.EntryWatch';

/** Registers `lanyard.agent.v1.EntryWatch` on `server`. */
export function registerEntryWatchService(
  server: grpc.Server,
  definition: grpc.ServiceDefinition,
  boundary: RpcBoundary,
  hub: EntryWatchHub,
): void {
  const spec = serviceSpecs('entrywatch', ENTRY_WATCH_SERVICE);
  server.addService(definition, {
    Watch: boundary.serverStream<WatchRequest, WatchResponse>(spec('Watch'), (call, ctx) =>
      watchEntries(hub, call, ctx),
    ),
  });
}
