/** Loopback fake of the Docker Engine API on a Unix socket. */
export * from './fake-docker-engine';
