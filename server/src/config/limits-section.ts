/**
 * `server.lanyard_limits {}` (Lanyard extension): the server's listener, stream and attestation bounds. Keys
 * left out keep the defaults of `SERVER_LIMIT_DEFAULTS`.
 */
import { field, parseByteSize, type ConfigIssue, type Infer } from '@lanyard/common';
import type { ServerLimits } from '../limits';

/** Schema of `server.lanyard_limits {}`. */
export const limitsSchema = field.object('lanyard_limits', {
  max_message_size: field.string(),
  max_concurrent_streams: field.int({ min: 1 }),
  max_connections: field.int({ min: 1 }),
  max_connection_age: field.duration(),
  connection_idle_timeout: field.duration(),
  keepalive_time: field.duration(),
  keepalive_timeout: field.duration(),
  stream_idle_timeout: field.duration(),
  attestation_step_timeout: field.duration(),
  attestation_max_payload_size: field.string(),
});

type LimitsBlock = Infer<typeof limitsSchema>;

/** A size key in bytes, or undefined (with an issue naming the key) when it does not parse. */
function size(text: string | undefined, key: string, issues: ConfigIssue[]): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseByteSize(text);
  } catch (err) {
    issues.push({ path: `server.lanyard_limits.${key}`, message: (err as Error).message });
    return undefined;
  }
}

/** A duration key that must be positive (durations are decoded to ms). */
function positive(ms: number | undefined, key: string, issues: ConfigIssue[]): number | undefined {
  if (ms === undefined || ms > 0) return ms;
  issues.push({ path: `server.lanyard_limits.${key}`, message: 'must be greater than zero' });
  return undefined;
}

/** Maps the block to the limits it sets; bad values are reported in `issues`. */
export function mapLimits(block: LimitsBlock | undefined, issues: ConfigIssue[]): Partial<ServerLimits> {
  if (block === undefined) return {};
  return {
    maxMessageBytes: size(block.max_message_size, 'max_message_size', issues),
    maxConcurrentStreams: block.max_concurrent_streams,
    maxConnections: block.max_connections,
    maxConnectionAgeMs: positive(block.max_connection_age, 'max_connection_age', issues),
    connectionIdleTimeoutMs: positive(block.connection_idle_timeout, 'connection_idle_timeout', issues),
    keepaliveTimeMs: positive(block.keepalive_time, 'keepalive_time', issues),
    keepaliveTimeoutMs: positive(block.keepalive_timeout, 'keepalive_timeout', issues),
    streamIdleTimeoutMs: positive(block.stream_idle_timeout, 'stream_idle_timeout', issues),
    attestationStepTimeoutMs: positive(block.attestation_step_timeout, 'attestation_step_timeout', issues),
    attestationMaxPayloadBytes: size(
      block.attestation_max_payload_size,
      'attestation_max_payload_size',
      issues,
    ),
  };
}
