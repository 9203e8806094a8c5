/**
 * The `@lanyard/attestor-core/server` entry: helpers only server halves use (verification of JWTs minted outside
 * Lanyard, through `jose`; kubeconfig files, through `yaml`), kept out of the root entry so that the agent never
 * loads them.
 */
export * from './external-jwt';
export * from './kube/kubeconfig';
