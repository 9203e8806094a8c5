/** Managed workloads (issue #18): agentless attestation of cloud workloads over HTTPS. */
export * from './config';
export * from './identity';
export { createManagedWorkloads, type ManagedWorkloadsDeps } from './managed-workloads';
export { ManagedWorkloadsListener, MAX_BODY_BYTES } from './listener';
