/**
 * @lanyard/attestor-gcp-iit: the `gcp_iit` node attestor. The agent sends a GCE instance identity token; the server
 * verifies it against Google's keys and issues `spiffe://<td>/spire/agent/gcp_iit/<project>/<instance id>`.
 */
export * from './shared';
export * from './config';
export * from './google-keys';
export * from './identity-token';
export * from './server';
export * from './agent';
