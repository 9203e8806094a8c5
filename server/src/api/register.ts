import type * as grpc from '@grpc/grpc-js';
import { tolerantService } from '@lanyard/base/grpc';
import { loadEntryWatchApi, loadHealthApi, loadSpireServerApis } from '@lanyard/proto';
import type { RpcBoundary } from './boundary';
import type { ApiDeps } from './deps';
import { registerAgentService } from './agent/register';
import { registerBundleService } from './bundle/register';
import { registerDebugService } from './debug/register';
import { registerEntryService } from './entry/register';
import { ENTRY_WATCH_SERVICE, registerEntryWatchService } from './entrywatch/register';
import { registerHealthService, type HealthState } from './health/register';
import { registerLocalAuthorityService } from './localauthority/register';
import { registerLoggerService } from './logger/register';
import { policyFor, servedOnTcp } from './policy';
import { registerSvidService } from './svid/register';
import { registerTrustDomainService } from './trustdomain/register';

/** Fully qualified names of the SPIRE services the server answers (also valid `grpc.health` service names). */
export const SERVER_SERVICE_NAMES: ReadonlySet<string> = new Set([
  'spire.api.server.entry.v1.Entry',
  'spire.api.server.agent.v1.Agent',
  'spire.api.server.bundle.v1.Bundle',
  'spire.api.server.svid.v1.SVID',
  'spire.api.server.trustdomain.v1.TrustDomain',
  'spire.api.server.localauthority.v1.LocalAuthority',
  'spire.api.server.debug.v1.Debug',
  'spire.api.server.logger.v1.Logger',
]);

/** The listener a set of services is registered on. */
export type ServerListener = 'tcp' | 'uds';

type Registration = (server: grpc.Server, definition: grpc.ServiceDefinition) => void;

/**
 * Registers every SPIRE server API plus `grpc.health.v1.Health` on one listener's server. Services the
 * authorization table keeps to the admin socket (Health, Debug, Logger) are skipped on TCP; Logger only when
 * `deps.logLevel` is given, Lanyard's EntryWatch only when `deps.entryWatch` is, and a service whose proto
 * has a method without a row in the table is refused at startup.
 */
export function registerServerApis(
  server: grpc.Server,
  boundary: RpcBoundary,
  deps: ApiDeps,
  health: HealthState,
  listener: ServerListener,
): void {
  const spire = loadSpireServerApis().spire.api.server;
  const services: Array<[string, grpc.ServiceDefinition, Registration]> = [
    [
      'spire.api.server.entry.v1.Entry',
      spire.entry.v1.Entry.service,
      (s, d) => registerEntryService(s, d, boundary, deps),
    ],
    [
      'spire.api.server.agent.v1.Agent',
      spire.agent.v1.Agent.service,
      (s, d) => registerAgentService(s, d, boundary, deps),
    ],
    [
      'spire.api.server.bundle.v1.Bundle',
      spire.bundle.v1.Bundle.service,
      (s, d) => registerBundleService(s, d, boundary, deps),
    ],
    [
      'spire.api.server.svid.v1.SVID',
      spire.svid.v1.SVID.service,
      (s, d) => registerSvidService(s, d, boundary, deps),
    ],
    [
      'spire.api.server.trustdomain.v1.TrustDomain',
      spire.trustdomain.v1.TrustDomain.service,
      (s, d) => registerTrustDomainService(s, d, boundary, deps),
    ],
    [
      'spire.api.server.localauthority.v1.LocalAuthority',
      spire.localauthority.v1.LocalAuthority.service,
      (s, d) => registerLocalAuthorityService(s, d, boundary, deps),
    ],
    [
      'spire.api.server.debug.v1.Debug',
      spire.debug.v1.Debug.service,
      (s, d) => registerDebugService(s, d, boundary, deps),
    ],
    [
      'spire.api.server.logger.v1.Logger',
      spire.logger.v1.Logger.service,
      (s, d) => {
        if (deps.logLevel) registerLoggerService(s, d, boundary, deps.logLevel);
      },
    ],
    [
      ENTRY_WATCH_SERVICE,
      loadEntryWatchApi().lanyard.agent.v1.EntryWatch.service,
      (s, d) => {
        if (deps.entryWatch) registerEntryWatchService(s, d, boundary, deps.entryWatch);
      },
    ],
    [
      'grpc.health.v1.Health',
      loadHealthApi().grpc.health.v1.Health.service,
      (s, d) =>
        registerHealthService(s, d, boundary, health, SERVER_SERVICE_NAMES, deps.limits.streamIdleTimeoutMs),
    ],
  ];
  for (const [fullService, definition, register] of services) {
    for (const method of Object.keys(definition)) policyFor(fullService, method);
    if (listener === 'uds' || servedOnTcp(fullService)) register(server, tolerantService(definition));
  }
}
