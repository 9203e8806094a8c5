import type * as grpc from '@grpc/grpc-js';
import type { RpcContext } from '../boundary';
import { agentIdOf } from '../entry/sync';
import type { WireEntryMask } from '../wire';
import type { WatchResponse } from './agent-watch';
import type { EntryWatchHub } from './watch-hub';

/** `lanyard.agent.v1.WatchRequest`. */
export interface WatchRequest {
  output_mask: WireEntryMask | null;
}

/**
 * `EntryWatch/Watch` for the calling agent: registers the stream with the hub and holds it open until the
 * agent cancels it, a newer watch of the same agent replaces it, or the server stops.
 */
export async function watchEntries(
  hub: EntryWatchHub,
  call: grpc.ServerWritableStream<WatchRequest, WatchResponse>,
  ctx: RpcContext,
): Promise<void> {
  const requested = call.request.output_mask;
  const mask = requested === null ? null : { ...requested, revision_number: true };
  await new Promise<void>((resolve) => {
    let finished = false;
    let close: () => void = () => undefined;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      close();
      resolve();
    };
    call.on('cancelled', finish);
    call.on('close', finish);
    close = hub.open(
      agentIdOf(ctx),
      {
        write: (message) => !call.cancelled && call.write(message),
        onDrain: (listener) => call.on('drain', listener),
        end: finish,
      },
      mask,
    );
  });
}
