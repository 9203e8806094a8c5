/**
 * @lanyard/attestor-join-token: the `join_token` node attestor. The agent sends a single-use token; the server
 * consumes it and issues `spiffe://<td>/spire/agent/join_token/<token>` (no selectors, not reattestable).
 */
export * from './shared';
export * from './server';
export * from './agent';
