import * as grpc from '@grpc/grpc-js';
import { unary } from '@lanyard/base/grpc';
import { loadWorkloadApi, type SpiffeWorkloadAPIClient } from '@lanyard/proto';
import { DEFAULT_SOCKET_PATH, SECURITY_HEADER } from '../../workload';

/**
 * The Workload API socket of the `api` commands: `-socketPath`, else `SPIRE_AGENT_PUBLIC_SOCKET_TEMPLATE` with
 * `%i` replaced by `-instance`, else `SPIRE_AGENT_PUBLIC_SOCKET`, else SPIRE's default path.
 */
export function resolvePublicSocket(
  flag: string | undefined,
  instance: string | undefined,
  env: NodeJS.ProcessEnv,
): string {
  if (flag) return flag;
  const template = env.SPIRE_AGENT_PUBLIC_SOCKET_TEMPLATE;
  if (instance && template) return template.replace(/%i/g, instance);
  return env.SPIRE_AGENT_PUBLIC_SOCKET || DEFAULT_SOCKET_PATH;
}

/** A raw Workload API client for the CLI: every call carries the security header and the `-timeout` deadline. */
export class ApiClient {
  readonly raw: SpiffeWorkloadAPIClient;

  constructor(
    socketPath: string,
    private readonly timeoutMs: number,
  ) {
    const Ctor = loadWorkloadApi().SpiffeWorkloadAPI;
    this.raw = new Ctor(`unix://${socketPath}`, grpc.credentials.createInsecure());
  }

  /** Metadata with `workload.spiffe.io: true`. */
  metadata(): grpc.Metadata {
    const md = new grpc.Metadata();
    md.set(SECURITY_HEADER, 'true');
    return md;
  }

  /** Call options carrying the deadline (none when the timeout is 0). */
  options(): grpc.CallOptions {
    return this.timeoutMs > 0 ? { deadline: new Date(Date.now() + this.timeoutMs) } : {};
  }

  /** Opens a stream, resolves with its first message and cancels it. */
  firstMessage<T>(
    open: (md: grpc.Metadata, options: grpc.CallOptions) => grpc.ClientReadableStream<T>,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const stream = open(this.metadata(), this.options());
      stream.once('data', (message: T) => {
        resolve(message);
        stream.cancel();
      });
      stream.once('error', reject);
      stream.once('end', () => reject(new Error('stream ended without a message')));
    });
  }

  /** Runs a unary call through the gRPC bridge's {@link unary} and resolves with its response. */
  unary<T>(
    call: (md: grpc.Metadata, options: grpc.CallOptions, cb: grpc.requestCallback<T>) => unknown,
  ): Promise<T> {
    const timeoutMs = this.timeoutMs > 0 ? this.timeoutMs : undefined;
    return unary<T>((options, callback) => call(this.metadata(), options, callback), timeoutMs);
  }

  close(): void {
    this.raw.close();
  }
}
