/** The agent block SPIRE's `agent list|show` print (labels padded to 18 columns). */
import type { Agent__Output } from '@lanyard/proto';
import { goUtcTime } from '../support/format';
import { protoToIdString } from '../support/ids';

/** SPIRE's label column for agent output. */
export const AGENT_LABEL_WIDTH = 18;

/** `<label padded to 18>: <value>\n`. */
export function agentLine(label: string, value: string | number | boolean): string {
  return `${label.padEnd(AGENT_LABEL_WIDTH)}: ${String(value)}\n`;
}

/** One agent block, ending with a blank line (expiry printed in UTC). */
export function formatAgent(agent: Agent__Output): string {
  let text = agentLine('SPIFFE ID', protoToIdString(agent.id));
  text += agentLine('Attestation type', agent.attestation_type);
  text += agentLine('Expiration time', goUtcTime(Number(agent.x509svid_expires_at)));
  text += agent.banned ? agentLine('Banned', true) : agentLine('Serial number', agent.x509svid_serial_number);
  text += agentLine('Can re-attest', agent.can_reattest);
  if (agent.agent_version) text += agentLine('Agent version', agent.agent_version);
  return `${text}\n`;
}
