import type * as grpc from '@grpc/grpc-js';
import { InvalidArgumentError } from '../errors';

/**
 * What a tolerant service's deserializer hands the handler instead of throwing when the request bytes are
 * not a valid protobuf message. grpc-js answers a throwing deserializer with INTERNAL; the handler turns this
 * into INVALID_ARGUMENT with {@link rejectMalformed}, after authorizing the caller.
 */
export class MalformedRequest {
  constructor(
    /** What the decoder said (never the bytes). */
    readonly reason: string,
  ) {}
}

/**
 * A copy of `definition` whose request deserializers never throw: undecodable bytes become a
 * {@link MalformedRequest}. Register services with it so malformed input is the caller's error, not ours.
 */
export function tolerantService<T extends grpc.ServiceDefinition>(definition: T): T {
  const methods = Object.entries(definition).map(([name, method]) => {
    const decode = method.requestDeserialize;
    const requestDeserialize = (bytes: Buffer): unknown => {
      try {
        return decode(bytes);
      } catch (err) {
        return new MalformedRequest(err instanceof Error ? err.message : String(err));
      }
    };
    return [name, { ...method, requestDeserialize }];
  });
  return Object.fromEntries(methods) as T;
}

/**
 * Throws INVALID_ARGUMENT (`ERR_MALFORMED_REQUEST`, "malformed request: …") when `request` is a
 * {@link MalformedRequest}; returns otherwise.
 */
export function rejectMalformed(request: unknown): void {
  if (request instanceof MalformedRequest) {
    throw new InvalidArgumentError(`malformed request: ${request.reason}`, 'ERR_MALFORMED_REQUEST');
  }
}
