import type { CliCommand } from '../registry';
import { entryCommand } from './entry';
import { healthcheckCommand } from './healthcheck';
import { runCommand } from './run';
import { tokenCommand } from './token';
import { validateCommand } from './validate';

/** Every `lanyard-server` command, in help order. Add new command modules here. */
export const COMMANDS: readonly CliCommand[] = [
  runCommand,
  validateCommand,
  healthcheckCommand,
  tokenCommand,
  entryCommand,
];
