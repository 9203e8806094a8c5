/** `audit query`: reads the agent's identity trail (see docs/audit.md). */
import { FailedPreconditionError } from '@lanyard/base';
import { auditCommand } from '@lanyard/common';
import { loadAgentConfig } from '../config';

/** Registration of `audit`; `-config` resolves the trail from `agent.audit_trail.path`. */
export const agentAuditCommand = auditCommand((configPath, expandEnv, env) => {
  const path = loadAgentConfig(configPath, { expandEnv, env }).config.agent.auditTrail?.path;
  if (path === undefined)
    throw new FailedPreconditionError(`${configPath} has no agent.audit_trail block`, 'ERR_NO_TRAIL');
  return path;
});
