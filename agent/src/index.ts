/**
 * @lanyard/agent: node attestation, sync, the identity cache, the SPIFFE Workload API and the lanyard-agent CLI.
 */
export * from './cache';
export * from './workload';
export {
  runCli,
  buildProgram,
  processIo,
  COMMANDS,
  type CliIo,
  type CliCommand,
  type CommandContext,
} from './cli';
export * from './config';
export * from './node';
export { Agent, type AgentStartOptions } from './agent';
