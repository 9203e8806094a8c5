import type * as grpc from '@grpc/grpc-js';
import { loadHealthApi, loadSpireServerApis } from '@lanyard/proto';
import type { RpcBoundary } from './boundary';
import type { ApiDeps } from './deps';
import { registerAgentService } from './agent/register';
import { registerBundleService } from './bundle/register';
import { registerDebugService } from './debug/register';
import { registerEntryService } from './entry/register';
import { registerHealthService, type HealthState } from './health/register';
import { registerLocalAuthorityService } from './localauthority/register';
import { registerLoggerService } from './logger/register';
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

/** Registers every SPIRE server API plus `grpc.health.v1.Health` on one transport's server. */
export function registerServerApis(
  server: grpc.Server,
  boundary: RpcBoundary,
  deps: ApiDeps,
  health: HealthState,
): void {
  const spire = loadSpireServerApis().spire.api.server;
  registerEntryService(server, spire.entry.v1.Entry.service, boundary, deps);
  registerAgentService(server, spire.agent.v1.Agent.service, boundary, deps);
  registerBundleService(server, spire.bundle.v1.Bundle.service, boundary, deps);
  registerSvidService(server, spire.svid.v1.SVID.service, boundary, deps);
  registerTrustDomainService(server, spire.trustdomain.v1.TrustDomain.service, boundary, deps);
  registerLocalAuthorityService(server, spire.localauthority.v1.LocalAuthority.service, boundary, deps);
  registerDebugService(server, spire.debug.v1.Debug.service, boundary, deps);
  if (deps.logLevel) registerLoggerService(server, spire.logger.v1.Logger.service, boundary, deps.logLevel);
  registerHealthService(
    server,
    loadHealthApi().grpc.health.v1.Health.service,
    boundary,
    health,
    SERVER_SERVICE_NAMES,
  );
}
