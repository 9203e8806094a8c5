/**
 * The keys of `lanyard_limits {}` (Lanyard extension) that bound a gRPC listener, shared by `server.conf` and
 * `agent.conf`; each process adds its own keys next to them.
 */
import { parseByteSize } from '../audit/size';
import type { GrpcListenerLimits } from '../grpc-limits';
import type { ConfigIssue } from './errors';
import { field } from './schema';

/** Schema fields of the listener bounds, to spread into a `lanyard_limits` object schema. */
export const listenerLimitFields = {
  max_message_size: field.string(),
  max_concurrent_streams: field.int({ min: 1 }),
  max_connections: field.int({ min: 1 }),
  connection_idle_timeout: field.duration(),
  keepalive_time: field.duration(),
  keepalive_timeout: field.duration(),
};

/** The decoded listener keys (sizes as text, durations in ms). */
export interface ListenerLimitsBlock {
  max_message_size?: string;
  max_concurrent_streams?: number;
  max_connections?: number;
  connection_idle_timeout?: number;
  keepalive_time?: number;
  keepalive_timeout?: number;
}

/** Reads limit values of one block, reporting bad ones under `path` (e.g. `server.lanyard_limits`). */
export class LimitValues {
  constructor(
    private readonly path: string,
    private readonly issues: ConfigIssue[],
  ) {}

  /** A size key (`64KiB`, `16MiB`) in bytes, or undefined with an issue naming the key. */
  size(text: string | undefined, key: string): number | undefined {
    if (text === undefined) return undefined;
    try {
      return parseByteSize(text);
    } catch (err) {
      this.issues.push({ path: `${this.path}.${key}`, message: (err as Error).message });
      return undefined;
    }
  }

  /** A duration key that must be positive (durations are decoded to ms). */
  positive(ms: number | undefined, key: string): number | undefined {
    if (ms === undefined || ms > 0) return ms;
    this.issues.push({ path: `${this.path}.${key}`, message: 'must be greater than zero' });
    return undefined;
  }
}

/** The listener bounds a block sets (keys left out stay undefined); bad values are reported in `issues`. */
export function mapListenerLimits(
  block: ListenerLimitsBlock,
  path: string,
  issues: ConfigIssue[],
): Partial<GrpcListenerLimits> {
  const values = new LimitValues(path, issues);
  return {
    maxMessageBytes: values.size(block.max_message_size, 'max_message_size'),
    maxConcurrentStreams: block.max_concurrent_streams,
    maxConnections: block.max_connections,
    connectionIdleTimeoutMs: values.positive(block.connection_idle_timeout, 'connection_idle_timeout'),
    keepaliveTimeMs: values.positive(block.keepalive_time, 'keepalive_time'),
    keepaliveTimeoutMs: values.positive(block.keepalive_timeout, 'keepalive_timeout'),
  };
}
