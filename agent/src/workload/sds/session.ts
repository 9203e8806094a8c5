/**
 * The xDS state of one StreamSecrets stream, as SPIRE keeps it: a version that counts cache changes, the nonce
 * of the last response, and the last request whose resource names later pushes answer.
 */
import type { PluginLogger } from '@lanyard/attestor-core';
import type { DiscoveryRequest__Output, DiscoveryResponse, EnvoyNode__Output } from '@lanyard/proto';
import type { WorkloadUpdate } from '../../manager/cache';
import { rootsDer, sameBundleMap } from '../bundles';
import { buildSecretResponse, type SecretRequest } from './response';
import type { SdsOptions } from './options';

function sameResourceNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const old = new Set(a);
  return b.every((name) => old.has(name));
}

function bundleBytes(update: WorkloadUpdate): Record<string, Buffer> {
  const map: Record<string, Buffer> = {};
  if (update.bundle) map[update.bundle.trustDomain.name] = rootsDer(update.bundle);
  for (const [td, bundle] of update.federatedBundles) map[`federated:${td}`] = rootsDer(bundle);
  return map;
}

/** True when two views would give Envoy the same secrets (same SVID objects, same bundle bytes). */
function sameView(a: WorkloadUpdate, b: WorkloadUpdate): boolean {
  return (
    a.identities.length === b.identities.length &&
    a.identities.every(
      (x, i) => x.svid === b.identities[i].svid && x.entry.spiffeId === b.identities[i].entry.spiffeId,
    ) &&
    sameBundleMap(bundleBytes(a), bundleBytes(b))
  );
}

/** Decides, per incoming request or cache change, whether to answer; `send` writes an answer to the stream. */
export class SecretStreamSession {
  private versionCounter = 0;
  private lastNonce = '';
  private lastNode: EnvoyNode__Output | null = null;
  private lastRequest: SecretRequest | undefined;
  private update: WorkloadUpdate | undefined;

  constructor(
    private readonly options: SdsOptions,
    private readonly logger: PluginLogger,
    private readonly send: (response: DiscoveryResponse) => void,
  ) {}

  private get versionInfo(): string {
    return String(this.versionCounter);
  }

  /**
   * A cache view. The first view is taken once the agent has a bundle and an SVID for every matching entry
   * (SPIRE waits the same way); later views count as a new version only when the secrets differ.
   * @throws when the answer cannot be built (the stream then ends with that status).
   */
  onUpdate(view: WorkloadUpdate): void {
    if (!this.update && (!view.bundle || view.identities.length < view.entries.length)) return;
    if (this.update && sameView(this.update, view)) return;
    this.update = view;
    this.versionCounter++;
    if (this.lastRequest) this.respond();
  }

  /**
   * A DiscoveryRequest: the first subscribes; later ones must echo the last nonce (others are stale and
   * ignored). An answer goes out only when the resource names changed, so an ACK or a NACK of the same names
   * produces nothing.
   * @throws when the answer cannot be built.
   */
  onRequest(request: DiscoveryRequest__Output): void {
    const fields = {
      resource_names: request.resource_names,
      version_info: request.version_info,
      nonce: request.response_nonce,
    };
    this.logger.debug('Received StreamSecrets request', fields);
    if (request.error_detail) {
      this.logger.error('Envoy reported errors applying secrets', {
        resource_names: request.resource_names,
        error: request.error_detail.message,
      });
    }
    let node = request.node;
    if (this.lastNonce !== '') {
      if (request.response_nonce !== this.lastNonce) {
        this.logger.warn('Received unexpected nonce; ignoring request', {
          nonce: request.response_nonce,
          expect: this.lastNonce,
        });
        return;
      }
      if (request.version_info === '' || request.version_info !== this.versionInfo) {
        this.logger.error('Client rejected expected version and rolled back', {
          version_info: request.version_info,
          expect: this.versionInfo,
        });
      }
      node = node ?? this.lastNode;
    }
    const changed =
      !this.lastRequest || !sameResourceNames(this.lastRequest.resource_names, request.resource_names);
    this.lastRequest = { resource_names: request.resource_names, type_url: request.type_url, node };
    if (changed && this.update) this.respond();
  }

  private respond(): void {
    const request = this.lastRequest!;
    const response = buildSecretResponse(this.versionInfo, request, this.update!, this.options);
    this.logger.debug('Sending StreamSecrets response', {
      version_info: response.version_info,
      nonce: response.nonce,
      count: response.resources?.length ?? 0,
    });
    this.send(response);
    this.lastNonce = response.nonce ?? '';
    if (request.node) this.lastNode = request.node;
  }
}
