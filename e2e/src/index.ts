/**
 * @lanyard/e2e: helpers that run the real `lanyard-server` and `lanyard-agent` binaries on loopback
 * with temporary directories, for the whole-system suites in `e2e/test/`.
 */
export * from './paths';
export * from './ports';
export * from './process';
export * from './run-logs';
export * from './server-under-test';
export * from './agent-under-test';
export * from './hcl';
export * from './cloud-fixtures';
export * from './ha-fixtures';
export * from './oidc-provider';
