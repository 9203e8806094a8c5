/**
 * @lanyard/attestor-unix: the `unix` workload attestor (uid, gid, user and group names, supplementary groups,
 * and optionally executable path and SHA-256). The agent imports `@lanyard/attestor-unix/agent`.
 */
export * from './agent';
export { parseProcStatus, type ProcessIds } from './proc';
export { parseNameDatabase } from './name-db';
