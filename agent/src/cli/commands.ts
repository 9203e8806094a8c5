import { apiCommand } from './api';
import { agentAuditCommand } from './audit';
import { debugCommand } from './debug';
import { healthcheckCommand } from './healthcheck';
import { loggerCommand } from './logger';
import type { CliCommand } from './registry';
import { runCommand } from './run';
import { validateCommand } from './validate';

/** Every top-level command of `lanyard-agent`; add new command modules here. */
export const COMMANDS: readonly CliCommand[] = [
  apiCommand,
  runCommand,
  validateCommand,
  healthcheckCommand,
  agentAuditCommand,
  debugCommand,
  loggerCommand,
];
