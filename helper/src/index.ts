/**
 * @lanyard/helper: `lanyard-helper` keeps SVID files fresh for unmodified programs (spiffe-helper's
 * configuration) and exchanges SVIDs for short-lived AWS, GCP and Azure credentials.
 */
export * from './exchange-error';
export * from './aws/credentials';
export * from './aws/sts';
export * from './aws/credential-process';
export * from './cache/credential-cache';
export * from './identity/workload-api';
export { runHelper } from './cli/program';
export * from './gcp/executable';
export * from './gcp/credential-config';
export * from './azure/env';
export * from './daemon/config';
export * from './daemon/files';
export * from './daemon/helper-daemon';
export * from './daemon/process-control';
export { runDaemon } from './daemon/run';
export * from './aws/container-endpoint';
export * from './aws/roles-anywhere';
export * from './managed';
