/**
 * @lanyard/attestor-k8s-psat: the `k8s_psat` node attestor. The agent sends its projected service-account token;
 * the server validates it with the cluster's TokenReview API and issues
 * `spiffe://<td>/spire/agent/k8s_psat/<cluster>/<node UID>`.
 */
export * from './shared';
export * from './config';
export * from './token-review';
export * from './agent';
export * from './server';
