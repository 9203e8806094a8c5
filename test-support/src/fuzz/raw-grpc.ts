/**
 * Raw-bytes gRPC calls for fuzzing: a grpc-js client with identity serializers sends exactly the bytes it is
 * given to any method (unary, server-, client- or bidi-streaming) and reports the final status, bounded by a
 * deadline so a hang is a result, not a stuck test.
 */
import * as grpc from '@grpc/grpc-js';

/** One method of a loaded service definition, by its full path (`/pkg.Service/Method`). */
export interface RawMethod {
  readonly path: string;
  readonly requestStream: boolean;
  readonly responseStream: boolean;
  /** Encodes a request object with the method's real serializer (to build valid seeds). */
  readonly encode: (request: object) => Buffer;
}

/** What a raw call ended with. `messages` counts response messages received before the status. */
export interface RawOutcome {
  readonly code: grpc.status;
  readonly details: string;
  readonly messages: number;
}

/** Lists every method of a grpc-js service definition. */
export function methodsOf(service: grpc.ServiceDefinition): RawMethod[] {
  return Object.values(service).map((m) => ({
    path: m.path,
    requestStream: m.requestStream,
    responseStream: m.responseStream,
    encode: (request: object) => Buffer.from(m.requestSerialize(request)),
  }));
}

const identity = (b: Buffer): Buffer => b;

/**
 * Sends `body` to `method` and resolves with the status. Streaming responses count as answered at the first
 * message (the call is then cancelled and reported as OK): watch-style methods never end on their own.
 */
export function rawCall(
  client: grpc.Client,
  method: RawMethod,
  body: Buffer,
  options: { metadata?: grpc.Metadata; deadlineMs: number },
): Promise<RawOutcome> {
  const metadata = options.metadata ?? new grpc.Metadata();
  const callOptions = { deadline: Date.now() + options.deadlineMs };
  return new Promise((resolve) => {
    let messages = 0;
    let settled = false;
    const finish = (code: grpc.status, details: string): void => {
      if (settled) return;
      settled = true;
      resolve({ code, details, messages });
    };
    const onUnary = (err: grpc.ServiceError | null): void =>
      err ? finish(err.code, err.details) : finish(grpc.status.OK, '');
    if (!method.requestStream && !method.responseStream) {
      client.makeUnaryRequest(method.path, identity, identity, body, metadata, callOptions, onUnary);
      return;
    }
    if (method.requestStream && !method.responseStream) {
      const call = client.makeClientStreamRequest(
        method.path,
        identity,
        identity,
        metadata,
        callOptions,
        onUnary,
      );
      call.write(body);
      call.end();
      return;
    }
    const observe = (call: grpc.ClientReadableStream<Buffer>): void => {
      call.on('data', () => {
        messages++;
        finish(grpc.status.OK, '');
        call.cancel();
      });
      call.on('error', (err: grpc.ServiceError) => finish(err.code, err.details));
      call.on('status', (s: grpc.StatusObject) => finish(s.code, s.details));
    };
    if (method.requestStream) {
      const call = client.makeBidiStreamRequest(method.path, identity, identity, metadata, callOptions);
      observe(call);
      call.write(body);
      call.end();
      return;
    }
    observe(client.makeServerStreamRequest(method.path, identity, identity, body, metadata, callOptions));
  });
}

/** Name of a gRPC status code (`INVALID_ARGUMENT`), for failure messages. */
export function statusName(code: grpc.status): string {
  return grpc.status[code] ?? String(code);
}
