import type { PluginLogger } from '@lanyard/attestor-core';
import { formatSelector } from '@lanyard/attestor-core';
import type { X509BundlesResponse, X509SVIDResponse, JWTBundlesResponse } from '@lanyard/proto';
import { PermissionDeniedError, UnavailableError } from '@lanyard/base';
import type { WorkloadUpdate } from '../manager/cache';
import type { AttestedCaller } from './caller';
import {
  renderJwtBundlesResponse,
  renderX509BundlesResponse,
  renderX509SvidResponse,
  sameBundleMap,
} from './render';
import { dedupe, type StepFunction, type StreamStep } from './stream';

/** The status SPIRE answers when a caller matches no entry. */
export function noIdentity(logger: PluginLogger, caller: AttestedCaller): PermissionDeniedError {
  logger.error('No identity issued', {
    caller_pid: caller.connection.cred.pid,
    caller_uid: caller.connection.cred.uid,
    selectors: caller.selectors.map(formatSelector).join(','),
  });
  return new PermissionDeniedError('no identity issued', 'ERR_NO_IDENTITY');
}

/** The status when the agent has not synced with the server yet. */
export function notReady(): UnavailableError {
  return new UnavailableError('agent is not ready: no trust bundle yet', 'ERR_AGENT_NOT_READY');
}

function sameSvidResponse(a: X509SVIDResponse, b: X509SVIDResponse): boolean {
  const as = a.svids ?? [];
  const bs = b.svids ?? [];
  return (
    as.length === bs.length &&
    as.every(
      (s, i) =>
        s.spiffe_id === bs[i].spiffe_id &&
        s.x509_svid === bs[i].x509_svid &&
        s.bundle === bs[i].bundle &&
        s.hint === bs[i].hint,
    ) &&
    sameBundleMap(
      (a.federated_bundles ?? {}) as Record<string, Buffer>,
      (b.federated_bundles ?? {}) as Record<string, Buffer>,
    )
  );
}

/**
 * FetchX509SVID steps: UNAVAILABLE before the first sync, PERMISSION_DENIED when no entry matches (also
 * mid-stream), wait while matching entries have no SVID yet, otherwise the complete response on every change.
 */
export function x509SvidSteps(logger: PluginLogger, caller: AttestedCaller): StepFunction<X509SVIDResponse> {
  const send = dedupe(
    (update: WorkloadUpdate) => renderX509SvidResponse(update, update.bundle!),
    sameSvidResponse,
  );
  return (update): StreamStep<X509SVIDResponse> => {
    if (!update.bundle) return { kind: 'end', error: notReady() };
    if (update.entries.length === 0) return { kind: 'end', error: noIdentity(logger, caller) };
    if (update.identities.length === 0) return { kind: 'wait' };
    return send(update);
  };
}

/** Shared steps of the two bundle streams: readiness, identity check (unless allowed), de-duplication. */
function bundleSteps<T extends { bundles?: Record<string, Buffer | Uint8Array | string> }>(
  logger: PluginLogger,
  caller: AttestedCaller,
  allowUnauthenticated: boolean,
  render: (update: WorkloadUpdate) => T,
): StepFunction<T> {
  const send = dedupe(render, (a, b) =>
    sameBundleMap((a.bundles ?? {}) as Record<string, Buffer>, (b.bundles ?? {}) as Record<string, Buffer>),
  );
  return (update) => {
    if (!update.bundle) return { kind: 'end', error: notReady() };
    if (update.entries.length === 0 && !allowUnauthenticated) {
      return { kind: 'end', error: noIdentity(logger, caller) };
    }
    return send(update);
  };
}

/** FetchX509Bundles steps. */
export function x509BundleSteps(
  logger: PluginLogger,
  caller: AttestedCaller,
  allowUnauthenticated: boolean,
): StepFunction<X509BundlesResponse> {
  return bundleSteps(logger, caller, allowUnauthenticated, (u) => renderX509BundlesResponse(u, u.bundle!));
}

/** FetchJWTBundles steps. */
export function jwtBundleSteps(
  logger: PluginLogger,
  caller: AttestedCaller,
  allowUnauthenticated: boolean,
): StepFunction<JWTBundlesResponse> {
  return bundleSteps(logger, caller, allowUnauthenticated, (u) => renderJwtBundlesResponse(u, u.bundle!));
}
