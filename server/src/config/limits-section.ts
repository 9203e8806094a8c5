/**
 * `server.lanyard_limits {}` (Lanyard extension): the server's listener, stream and attestation bounds. Keys
 * left out keep the defaults of `SERVER_LIMIT_DEFAULTS`.
 */
import {
  LimitValues,
  field,
  listenerLimitFields,
  mapListenerLimits,
  type ConfigIssue,
  type Infer,
} from '@lanyard/common';
import type { ServerLimits } from '../limits';

const PATH = 'server.lanyard_limits';

/** Schema of `server.lanyard_limits {}`. */
export const limitsSchema = field.object('lanyard_limits', {
  ...listenerLimitFields,
  max_connection_age: field.duration(),
  stream_idle_timeout: field.duration(),
  attestation_step_timeout: field.duration(),
  attestation_max_payload_size: field.string(),
});

type LimitsBlock = Infer<typeof limitsSchema>;

/** Maps the block to the limits it sets; bad values are reported in `issues`. */
export function mapLimits(block: LimitsBlock | undefined, issues: ConfigIssue[]): Partial<ServerLimits> {
  if (block === undefined) return {};
  const values = new LimitValues(PATH, issues);
  return {
    ...mapListenerLimits(block, PATH, issues),
    maxConnectionAgeMs: values.positive(block.max_connection_age, 'max_connection_age'),
    streamIdleTimeoutMs: values.positive(block.stream_idle_timeout, 'stream_idle_timeout'),
    attestationStepTimeoutMs: values.positive(block.attestation_step_timeout, 'attestation_step_timeout'),
    attestationMaxPayloadBytes: values.size(
      block.attestation_max_payload_size,
      'attestation_max_payload_size',
    ),
  };
}
