/** `audit query`: reads the server's identity trail (see docs/audit.md). */
import { FailedPreconditionError } from '@lanyard/base';
import { auditCommand } from '@lanyard/common';
import { loadServerConfig } from '../../config';

/** Registration of `audit`; `-config` resolves the trail from `server.audit_trail.path`. */
export const serverAuditCommand = auditCommand((configPath, expandEnv, env) => {
  const path = loadServerConfig(configPath, { expandEnv, env }).config.server.auditTrail?.path;
  if (path === undefined)
    throw new FailedPreconditionError(`${configPath} has no server.audit_trail block`, 'ERR_NO_TRAIL');
  return path;
});
