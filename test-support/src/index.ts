/**
 * @lanyard/test-support: loopback fakes that speak real protocols, a test CA and a Workload API test server.
 */
export * from './test-keys';
export * from './cert-builder';
export * from './test-jwt-key';
export * from './test-ca';
export * from './workload-api-state';
export * from './workload-jwt-validator';
export * from './workload-api-server';
export * from './workload-api-jwt';
export * from './run-as';
export * from './fakes/cloud';
export * from './fakes/kube';
export * from './fakes/docker';
export * from './fakes/cloud-federation';
export * from './reliability-doc';
export * from './fuzz';
export * from './fault-proxy';
export * from './udp-collector';
