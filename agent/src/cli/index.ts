/** The `lanyard-agent` command line. */
export { runCli, buildProgram } from './program';
export { processIo, type CliIo } from './io';
export type { CliCommand, CommandContext } from './registry';
export { COMMANDS } from './commands';
