import * as grpc from '@grpc/grpc-js';
import type { Command } from 'commander';
import { formatRpcError } from '@lanyard/base/grpc';
import type { X509SVIDResponse__Output } from '@lanyard/proto';
import type { CommandContext } from '../registry';
import { ApiClient, resolvePublicSocket } from './client';
import { addApiFlags, type ApiFlags } from './flags';
import { formatX509Response } from './x509-output';
import { parseAndValidateX509Response } from './x509-view';

/** go-spiffe's watch backoff: linear, 1 s per failed attempt, capped at 30 s, reset by any message. */
const BACKOFF_STEP_MS = 1000;
const BACKOFF_MAX_MS = 30_000;

/** State shared by the reconnect loop and the stream callbacks. */
interface WatchState {
  lastUpdate: number;
  attempts: number;
  stream: grpc.ClientReadableStream<X509SVIDResponse__Output> | undefined;
  stopped: boolean;
}

/** Streams FetchX509SVID once; resolves with the final status when the stream ends. */
function streamOnce(client: ApiClient, state: WatchState, ctx: CommandContext): Promise<grpc.StatusObject> {
  return new Promise((resolve) => {
    const stream = client.raw.FetchX509SVID({}, client.metadata());
    state.stream = stream;
    stream.on('data', (response: X509SVIDResponse__Output) => {
      state.attempts = 0;
      const now = performance.now();
      try {
        ctx.io.stdout.write(
          formatX509Response(parseAndValidateX509Response(response), now - state.lastUpdate),
        );
      } catch (err) {
        ctx.io.stderr.write(`${(err as Error).message}\n`);
      }
      state.lastUpdate = now;
    });
    stream.on('error', () => undefined);
    stream.on('status', resolve);
  });
}

/**
 * `api watch`: prints SPIRE's X.509 block on every update (time since the previous one), reports stream errors on
 * stderr and reconnects with linear backoff; stops on SIGINT/SIGTERM (exit 0) or INVALID_ARGUMENT (exit 1).
 */
export function registerWatch(api: Command, ctx: CommandContext): void {
  const command = api
    .command('watch')
    .description("Attaches to the Workload API and prints updates as they're received");
  addApiFlags(command, { output: false, timeout: false }).action(async (flags: ApiFlags) => {
    const client = new ApiClient(resolvePublicSocket(flags.socketPath, flags.instance, ctx.io.env), 0);
    const state: WatchState = {
      lastUpdate: performance.now(),
      attempts: 0,
      stream: undefined,
      stopped: false,
    };
    let wake: () => void = () => undefined;
    void ctx.io.stopSignal().then(() => {
      state.stopped = true;
      state.stream?.cancel();
      wake();
    });
    let code = 0;
    while (!state.stopped) {
      const status = await streamOnce(client, state, ctx);
      if (state.stopped) break;
      ctx.io.stderr.write(`${formatRpcError({ ...status, name: 'Error', message: status.details })}\n`);
      if (status.code === grpc.status.INVALID_ARGUMENT) {
        code = 1;
        break;
      }
      state.attempts++;
      const delay = Math.min(state.attempts * BACKOFF_STEP_MS, BACKOFF_MAX_MS);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delay);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    client.close();
    ctx.exit(code);
  });
}
