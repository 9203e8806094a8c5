import * as grpc from '@grpc/grpc-js';
import { grpcChannelMessageOptions } from '@lanyard/common';
import {
  loadHealthApi,
  loadSpireServerApis,
  type AgentClient,
  type BundleClient,
  type EntryClient,
  type HealthClient,
  type LocalAuthorityClient,
  type ServerDebugClient,
  type ServerLoggerClient,
  type SVIDClient,
  type TrustDomainClient,
} from '@lanyard/proto';

/** SPIRE's default admin socket (`-socketPath`). */
export const DEFAULT_SOCKET_PATH = '/tmp/spire-server/private/api.sock';

/** Typed clients for every server API on one target. */
export interface ServerApiClients {
  entry: EntryClient;
  agent: AgentClient;
  bundle: BundleClient;
  svid: SVIDClient;
  trustDomain: TrustDomainClient;
  localAuthority: LocalAuthorityClient;
  debug: ServerDebugClient;
  logger: ServerLoggerClient;
  health: HealthClient;
  /** Closes every channel. */
  close(): void;
}

/**
 * Resolves the admin socket like SPIRE's CLI: `-socketPath` if given, else `SPIRE_SERVER_PRIVATE_SOCKET`,
 * else with `-instance <name>` the template `SPIRE_SERVER_PRIVATE_SOCKET_TEMPLATE` (`%i` → name), else the default.
 */
export function resolveSocketPath(flag: string | undefined, instance?: string, env = process.env): string {
  if (flag !== undefined && flag !== '') return flag;
  const template = env.SPIRE_SERVER_PRIVATE_SOCKET_TEMPLATE;
  if (instance !== undefined && instance !== '' && template) return template.replace(/%i/g, instance);
  return env.SPIRE_SERVER_PRIVATE_SOCKET || DEFAULT_SOCKET_PATH;
}

/** Connects typed clients to `target` (e.g. `unix:/path` or `127.0.0.1:8081`) with the given credentials. */
export function connectServerApis(
  target: string,
  credentials: grpc.ChannelCredentials,
  options: grpc.ClientOptions = {},
): ServerApiClients {
  const spire = loadSpireServerApis().spire.api.server;
  const Health = loadHealthApi().grpc.health.v1.Health;
  options = { ...grpcChannelMessageOptions(), ...options };
  const clients = {
    entry: new spire.entry.v1.Entry(target, credentials, options),
    agent: new spire.agent.v1.Agent(target, credentials, options),
    bundle: new spire.bundle.v1.Bundle(target, credentials, options),
    svid: new spire.svid.v1.SVID(target, credentials, options),
    trustDomain: new spire.trustdomain.v1.TrustDomain(target, credentials, options),
    localAuthority: new spire.localauthority.v1.LocalAuthority(target, credentials, options),
    debug: new spire.debug.v1.Debug(target, credentials, options),
    logger: new spire.logger.v1.Logger(target, credentials, options),
    health: new Health(target, credentials, options),
  };
  return {
    ...clients,
    close: () => Object.values(clients).forEach((client) => client.close()),
  };
}

/** Connects to the local admin API on a Unix socket (plaintext; local callers are admins). */
export function connectAdmin(socketPath: string): ServerApiClients {
  return connectServerApis(`unix:${socketPath}`, grpc.credentials.createInsecure());
}
