/**
 * Writes the identity files: each atomically replaced and created with its final mode (keys 0600 by default),
 * JWT-SVID files holding the bare compact token with no trailing newline.
 */
import { writeFileAtomic } from '@lanyard/base';
import {
  certificatesToPem,
  type JwtBundleSet,
  type JwtSvid,
  type X509BundleSet,
  type X509Context,
  type X509Svid,
} from '@lanyard/spiffe';
import type { HelperConfig } from './config';

/** The SVID the config selects: the one with `hint`, else the default. */
export function chooseX509Svid(context: X509Context, hint: string | undefined): X509Svid {
  if (!hint) return context.defaultSvid;
  const match = context.svids.find((svid) => svid.hint === hint);
  if (!match) throw new Error(`no X.509-SVID has hint "${hint}"`);
  return match;
}

/** The bundle file's certificates: the SVID's own trust domain (+ federated ones, + intermediates). */
function bundlePem(svid: X509Svid, bundles: X509BundleSet, config: HelperConfig): string {
  const own = bundles.getX509BundleForTrustDomain(svid.id.trustDomain).x509Authorities;
  const federated = config.includeFederatedDomains
    ? bundles
        .bundles()
        .filter((b) => !b.trustDomain.equals(svid.id.trustDomain))
        .flatMap((b) => [...b.x509Authorities])
    : [];
  const intermediates = config.addIntermediatesToBundle ? svid.certificates.slice(1) : [];
  return certificatesToPem([...intermediates, ...own, ...federated]);
}

/** Writes the certificate chain, the key and the bundle of `svid`. */
export async function writeX509Files(
  config: HelperConfig,
  files: NonNullable<HelperConfig['x509Files']>,
  svid: X509Svid,
  bundles: X509BundleSet,
): Promise<void> {
  const chain = config.addIntermediatesToBundle ? [svid.leaf] : svid.certificates;
  const key = svid.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  await writeFileAtomic(files.key, key, { mode: config.keyFileMode });
  await writeFileAtomic(files.svid, certificatesToPem(chain), { mode: config.certFileMode });
  await writeFileAtomic(files.bundle, bundlePem(svid, bundles, config), { mode: config.certFileMode });
}

/** Writes a JWT-SVID token file: the compact token, no trailing newline. */
export async function writeJwtSvidFile(config: HelperConfig, file: string, svid: JwtSvid): Promise<void> {
  await writeFileAtomic(file, svid.token, { mode: config.jwtSvidFileMode });
}

/** Writes the JWT bundles as one JSON object: trust domain name → JWK Set. */
export async function writeJwtBundleFile(
  config: HelperConfig,
  file: string,
  bundles: JwtBundleSet,
): Promise<void> {
  const doc = Object.fromEntries(
    bundles.bundles().map((b) => [b.trustDomain.name, JSON.parse(b.marshal()) as unknown]),
  );
  await writeFileAtomic(file, JSON.stringify(doc), { mode: config.jwtBundleFileMode });
}
