/** Envoy `Secret` resources built from the agent cache: TLS certificates and validation contexts (PEM inline). */
import { encodePemBlocks, InternalError, NotFoundError } from '@lanyard/base';
import {
  ENVOY_SECRET_TYPE_URL,
  ENVOY_SPIFFE_VALIDATOR_TYPE_URL,
  type Secret,
  type SPIFFECertValidatorConfig,
} from '@lanyard/proto';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { X509SvidMaterial } from '../../manager/cache';

/** Name of Envoy's SPIFFE certificate validator extension. */
export const SPIFFE_VALIDATOR_NAME = 'envoy.tls.cert_validator.spiffe';

/** A `Secret` packed as `google.protobuf.Any` (the loader encodes objects carrying `@type`). */
export type PackedSecret = Secret & { '@type': string };

const certPemCache = new WeakMap<X509SvidMaterial, { chain: Buffer; key: Buffer }>();
const bundlePemCache = new WeakMap<SpiffeBundle, Buffer>();

function svidPem(svid: X509SvidMaterial): { chain: Buffer; key: Buffer } {
  let pem = certPemCache.get(svid);
  if (!pem) {
    pem = {
      chain: Buffer.from(encodePemBlocks('CERTIFICATE', svid.certChainDer)),
      key: Buffer.from(encodePemBlocks('PRIVATE KEY', [svid.privateKeyDer])),
    };
    certPemCache.set(svid, pem);
  }
  return pem;
}

/** The bundle's X.509 authorities as concatenated PEM (computed once per bundle object). */
export function bundlePem(bundle: SpiffeBundle): Buffer {
  let pem = bundlePemCache.get(bundle);
  if (!pem) {
    pem = Buffer.from(
      encodePemBlocks(
        'CERTIFICATE',
        bundle.x509Authorities.map((c) => c.raw),
      ),
    );
    bundlePemCache.set(bundle, pem);
  }
  return pem;
}

/** A `tls_certificate` secret named `name`: the SVID chain (leaf first) and its PKCS#8 key, both PEM. */
export function tlsCertificateSecret(name: string, svid: X509SvidMaterial): PackedSecret {
  const pem = svidPem(svid);
  return {
    '@type': ENVOY_SECRET_TYPE_URL,
    name,
    tls_certificate: {
      certificate_chain: { inline_bytes: pem.chain },
      private_key: { inline_bytes: pem.key },
    },
  };
}

/** Builds validation context secrets from the bundles a caller may see. */
export interface ValidationContextBuilder {
  /** The validation context of one trust domain (`spiffe://td`), named `resourceName`. */
  buildOne(resourceName: string, trustDomainId: string): PackedSecret;
  /** One validation context holding every bundle, named `resourceName`. */
  buildAll(resourceName: string): PackedSecret;
}

/** Bundles keyed by trust domain name without scheme, own trust domain included. */
export type BundlesByTrustDomain = ReadonlyMap<string, SpiffeBundle>;

function trustDomainName(trustDomainId: string): string {
  return trustDomainId.replace(/^spiffe:\/\//, '');
}

/** Validation contexts as plain `trusted_ca` (SPIFFE validator disabled, or an Envoy older than 1.18). */
export function rootCaBuilder(bundles: BundlesByTrustDomain): ValidationContextBuilder {
  return {
    buildOne(resourceName, trustDomainId) {
      const bundle = bundles.get(trustDomainName(trustDomainId));
      if (!bundle) {
        throw new InternalError(`no bundle found for trust domain: "${trustDomainId}"`, 'ERR_SDS_NO_BUNDLE');
      }
      return {
        '@type': ENVOY_SECRET_TYPE_URL,
        name: resourceName,
        validation_context: { trusted_ca: { inline_bytes: bundlePem(bundle) } },
      };
    },
    buildAll() {
      throw new InternalError('unable to use "SPIFFE validator" on Envoy below 1.17', 'ERR_SDS_NO_VALIDATOR');
    },
  };
}

function spiffeValidatorSecret(
  resourceName: string,
  trustDomains: readonly [string, SpiffeBundle][],
): PackedSecret {
  const config: SPIFFECertValidatorConfig & { '@type': string } = {
    '@type': ENVOY_SPIFFE_VALIDATOR_TYPE_URL,
    trust_domains: trustDomains.map(([name, bundle]) => ({
      name,
      trust_bundle: { inline_bytes: bundlePem(bundle) },
    })),
  };
  return {
    '@type': ENVOY_SECRET_TYPE_URL,
    name: resourceName,
    validation_context: { custom_validator_config: { name: SPIFFE_VALIDATOR_NAME, typed_config: config } },
  };
}

/** Validation contexts carrying Envoy's SPIFFE certificate validator config. */
export function spiffeValidatorBuilder(bundles: BundlesByTrustDomain): ValidationContextBuilder {
  return {
    buildOne(resourceName, trustDomainId) {
      const name = trustDomainName(trustDomainId);
      const bundle = bundles.get(name);
      if (!bundle) {
        throw new NotFoundError(`no bundle found for trust domain: "${trustDomainId}"`, 'ERR_SDS_NO_BUNDLE');
      }
      return spiffeValidatorSecret(resourceName, [[name, bundle]]);
    },
    buildAll(resourceName) {
      const sorted = [...bundles].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return spiffeValidatorSecret(resourceName, sorted);
    },
  };
}
