import { apiCommand } from './api';
import type { CliCommand } from './registry';

/** Every top-level command of `lanyard-agent`; add new command modules here. */
export const COMMANDS: readonly CliCommand[] = [apiCommand];
