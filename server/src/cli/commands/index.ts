import type { CliCommand } from '../registry';
import { agentCommand } from './agent';
import { serverAuditCommand } from './audit';
import { bundleCommand } from './bundle';
import { debugCommand } from './debug';
import { entryCommand } from './entry';
import { federationCommand } from './federation';
import { healthcheckCommand } from './healthcheck';
import { importSpireCommand } from './import-spire';
import { localAuthorityCommand } from './localauthority';
import { loggerCommand } from './logger';
import { jwtCommand } from './mint/jwt';
import { x509Command } from './mint/x509';
import { runCommand } from './run';
import { tokenCommand } from './token';
import { upstreamAuthorityCommand } from './upstreamauthority';
import { validateCommand } from './validate';

/** Every `lanyard-server` command, in help order. Add new command modules here. */
export const COMMANDS: readonly CliCommand[] = [
  runCommand,
  validateCommand,
  healthcheckCommand,
  tokenCommand,
  entryCommand,
  agentCommand,
  bundleCommand,
  x509Command,
  jwtCommand,
  federationCommand,
  localAuthorityCommand,
  upstreamAuthorityCommand,
  debugCommand,
  loggerCommand,
  serverAuditCommand,
  importSpireCommand,
];
