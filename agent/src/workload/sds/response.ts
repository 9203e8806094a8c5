/**
 * One SDS answer for a request and a cache view, with SPIRE's resource naming: SVIDs by SPIFFE ID (the first
 * one also by the default SVID name), validation contexts by `spiffe://td` (the own one also by the default
 * bundle name), every bundle under the all-bundles name; no names means every SVID and every bundle.
 */
import { randomBytes } from 'node:crypto';
import { InvalidArgumentError } from '@lanyard/base';
import type { DiscoveryRequest__Output, DiscoveryResponse, EnvoyNode__Output } from '@lanyard/proto';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { WorkloadUpdate } from '../../manager/cache';
import { trustDomainKey } from '../bundles';
import { useSpiffeValidator } from './node';
import type { SdsOptions } from './options';
import {
  rootCaBuilder,
  spiffeValidatorBuilder,
  tlsCertificateSecret,
  type PackedSecret,
  type ValidationContextBuilder,
} from './secrets';

/** The parts of a discovery request an answer depends on. */
export type SecretRequest = Pick<DiscoveryRequest__Output, 'resource_names' | 'type_url'> & {
  readonly node: EnvoyNode__Output | null | undefined;
};

/** A fresh 4-byte hex nonce for a streamed response. */
export function nextNonce(): string {
  return randomBytes(4).toString('hex');
}

function validationContextBuilder(
  request: SecretRequest,
  update: WorkloadUpdate,
  options: SdsOptions,
): ValidationContextBuilder {
  const bundles = new Map<string, SpiffeBundle>();
  if (update.bundle) bundles.set(update.bundle.trustDomain.name, update.bundle);
  for (const [td, bundle] of update.federatedBundles) bundles.set(td, bundle);
  return useSpiffeValidator(request.node, options.disableSpiffeCertValidation)
    ? spiffeValidatorBuilder(bundles)
    : rootCaBuilder(bundles);
}

function ownBundleSecret(
  names: Set<string>,
  all: boolean,
  ownId: string,
  builder: ValidationContextBuilder,
  options: SdsOptions,
): PackedSecret | undefined {
  if (all || names.has(ownId)) {
    names.delete(ownId);
    return builder.buildOne(ownId, ownId);
  }
  if (names.has(options.defaultBundleName)) {
    names.delete(options.defaultBundleName);
    return builder.buildOne(options.defaultBundleName, ownId);
  }
  if (names.has(options.defaultAllBundlesName)) {
    names.delete(options.defaultAllBundlesName);
    return builder.buildAll(options.defaultAllBundlesName);
  }
  return undefined;
}

function bundleSecrets(
  names: Set<string>,
  all: boolean,
  update: WorkloadUpdate,
  builder: ValidationContextBuilder,
  options: SdsOptions,
): PackedSecret[] {
  const secrets: PackedSecret[] = [];
  if (update.bundle) {
    const own = ownBundleSecret(names, all, trustDomainKey(update.bundle.trustDomain.name), builder, options);
    if (own) secrets.push(own);
  }
  for (const td of [...update.federatedBundles.keys()].sort()) {
    const id = trustDomainKey(td);
    if (all || names.has(id)) {
      names.delete(id);
      secrets.push(builder.buildOne(id, id));
    }
  }
  return secrets;
}

function certificateSecrets(
  names: Set<string>,
  all: boolean,
  update: WorkloadUpdate,
  options: SdsOptions,
): PackedSecret[] {
  const secrets: PackedSecret[] = [];
  update.identities.forEach(({ entry, svid }, i) => {
    if (all || names.has(entry.spiffeId)) {
      names.delete(entry.spiffeId);
      secrets.push(tlsCertificateSecret(entry.spiffeId, svid));
    } else if (i === 0 && names.has(options.defaultSvidName)) {
      names.delete(options.defaultSvidName);
      secrets.push(tlsCertificateSecret(options.defaultSvidName, svid));
    }
  });
  return secrets;
}

/**
 * The response to `request` from `update`. A streamed answer (non-empty `versionInfo`) gets a fresh nonce;
 * FetchSecrets passes `''` and gets neither version nor nonce.
 *
 * @throws InvalidArgumentError naming every requested resource the caller has no identity or bundle for.
 * @throws NotFoundError / InternalError when a validation context cannot be built (see the builders).
 */
export function buildSecretResponse(
  versionInfo: string,
  request: SecretRequest,
  update: WorkloadUpdate,
  options: SdsOptions,
): DiscoveryResponse {
  const names = new Set(request.resource_names.filter((name) => name !== ''));
  const all = names.size === 0;
  const builder = validationContextBuilder(request, update, options);
  const resources = [
    ...bundleSecrets(names, all, update, builder, options),
    ...certificateSecrets(names, all, update, options),
  ];
  if (names.size > 0) {
    const missing = [...names].sort().map((name) => JSON.stringify(name));
    throw new InvalidArgumentError(
      `workload is not authorized for the requested identities [${missing.join(' ')}]`,
      'ERR_SDS_NOT_AUTHORIZED',
    );
  }
  return {
    version_info: versionInfo,
    type_url: request.type_url,
    nonce: versionInfo === '' ? '' : nextNonce(),
    resources,
  };
}
