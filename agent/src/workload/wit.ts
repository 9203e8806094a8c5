import * as grpc from '@grpc/grpc-js';
import { UnimplementedError } from '@lanyard/base';
import type { PluginLogger } from '@lanyard/attestor-core';
import { checkSecurityHeader } from './caller';
import { toCallStatus } from './status';

/** The optional WIT-SVID profile RPCs: registered so they answer like SPIRE (header check, then UNIMPLEMENTED). */
export const WIT_METHODS: Readonly<Record<string, string>> = {
  '/SpiffeWorkloadAPI/FetchWITSVID': 'fetching WIT-SVIDs is not implemented',
  '/SpiffeWorkloadAPI/FetchWITBundles': 'fetching WIT bundles is not implemented',
};

/** Registers the WIT RPCs on `server` (raw bytes in and out; they never send a message). */
export function registerWitMethods(server: grpc.Server, deps: { readonly logger: PluginLogger }): void {
  const raw = (b: Buffer): Buffer => b;
  for (const [path, message] of Object.entries(WIT_METHODS)) {
    const handler: grpc.handleServerStreamingCall<Buffer, Buffer> = (call) => {
      try {
        checkSecurityHeader(call.metadata);
        throw new UnimplementedError(message);
      } catch (err) {
        call.emit('error', toCallStatus(err, deps.logger, path));
      }
    };
    server.register(path, handler, raw, raw, 'serverStream');
  }
}
