/**
 * @lanyard/attestor-docker: the `docker` workload attestor. It maps a caller's pid to its container through
 * `/proc/<pid>/cgroup`, inspects the container on the Docker Engine API (Unix socket) and returns SPIRE's
 * `docker:*` selectors. The agent imports `@lanyard/attestor-docker/agent`.
 */
export * from './agent';
export * from './config';
export * from './container-locator';
export * from './engine-client';
