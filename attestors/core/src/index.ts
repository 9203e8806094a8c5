/**
 * @lanyard/attestor-core: the contracts every node and workload attestor implements.
 */
export * from './selector';
export * from './logger';
export * from './node-attestor';
export * from './workload-attestor';
export * from './plugin-data';
export * from './agent-id';
export * from './plugin-factory';
export * from './agent-path-template';
export * from './metadata-fetch';
export * from './payload';
export * from './cgroup';
export * from './kube';
