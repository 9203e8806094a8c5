/**
 * @lanyard/common: config parsing (HCL v1 / JSON with positions, schema, durations, env expansion),
 * logging, CLI flag handling, health and metrics listeners and the generic plugin catalog shared by the server
 * and the agent.
 */
export * from './config';
export * from './log';
export * from './cli';
export * from './health';
export * from './metrics';
export * from './catalog';
export * from './audit';
export * from './bundle';
export * from './grpc-limits';
