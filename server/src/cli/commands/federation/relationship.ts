/** Federation relationship flags / `-data` JSON → `spire.api.types.FederationRelationship`, and its block. */
import * as fs from 'node:fs';
import type { WireBundle } from '@lanyard/common';
import { parseBundleData, validateFormat } from '../bundle/bundle-format';
import { CliFailure, errorText } from '../support/api-command';
import { fileErrorText, readFileOrStdin } from '../support/format';
import { parseId } from '../support/ids';

/** One relationship as given by flags or by an item of `-data`'s `federationRelationships`. */
export interface RelationshipConfig {
  trustDomain?: string;
  bundleEndpointURL?: string;
  bundleEndpointProfile?: string;
  endpointSpiffeID?: string;
  trustDomainBundlePath?: string;
  /** Raw `trustDomainBundle` JSON value from `-data` (a PEM string or a SPIFFE bundle object). */
  trustDomainBundle?: unknown;
  trustDomainBundleFormat?: string;
}

/** `spire.api.types.FederationRelationship` as the CLI sends and prints it. */
export interface RelationshipView {
  trust_domain: string;
  bundle_endpoint_url: string;
  https_web?: Record<string, never> | null;
  https_spiffe?: { endpoint_spiffe_id: string } | null;
  trust_domain_bundle?: WireBundle | null;
  /** Lanyard extension: unix seconds of the bundle client's last refresh (0 = none yet). */
  last_refresh_time?: number | string;
  /** Lanyard extension: why the last refresh failed ('' = it succeeded). */
  last_refresh_error?: string;
}

function bundleFromConfig(fr: RelationshipConfig, bundleTd: string): WireBundle | null {
  if (fr.trustDomainBundlePath) {
    let data: Buffer;
    try {
      data = fs.readFileSync(fr.trustDomainBundlePath);
    } catch (err) {
      throw new CliFailure(`cannot read bundle file: ${fileErrorText(fr.trustDomainBundlePath, err)}`);
    }
    try {
      return parseBundleData(data, validateFormat(fr.trustDomainBundleFormat), bundleTd);
    } catch (err) {
      throw new CliFailure(`cannot parse bundle file: ${errorText(err)}`);
    }
  }
  if (fr.trustDomainBundle === undefined || fr.trustDomainBundle === null) return null;
  const format = fr.trustDomainBundleFormat ?? '';
  let data: Buffer;
  if (format === 'pem' && typeof fr.trustDomainBundle === 'string') data = Buffer.from(fr.trustDomainBundle);
  else if (format === 'spiffe') data = Buffer.from(JSON.stringify(fr.trustDomainBundle));
  else if (format === 'pem')
    throw new CliFailure('cannot parse bundle raw message: failed to unmarshal json');
  else
    throw new CliFailure(
      `cannot parse bundle raw message: bundle format ${JSON.stringify(format)} is unsupported`,
    );
  try {
    return parseBundleData(data, format, bundleTd);
  } catch (err) {
    throw new CliFailure(`cannot parse bundle raw message: ${errorText(err)}`);
  }
}

/** SPIRE's `jsonToProto`: validates one relationship and converts it. */
export function relationshipFromConfig(fr: RelationshipConfig): RelationshipView {
  if (!fr.trustDomain) throw new CliFailure('trust domain is required');
  if (!fr.bundleEndpointURL) throw new CliFailure('bundle endpoint URL is required');
  const view: RelationshipView = { trust_domain: fr.trustDomain, bundle_endpoint_url: fr.bundleEndpointURL };
  let bundleTd = fr.trustDomain;
  if (fr.bundleEndpointProfile === 'https_web') {
    view.https_web = {};
  } else if (fr.bundleEndpointProfile === 'https_spiffe') {
    if (!fr.endpointSpiffeID) {
      throw new CliFailure("endpoint SPIFFE ID is required if 'https_spiffe' endpoint profile is set");
    }
    try {
      bundleTd = parseId(fr.endpointSpiffeID).trustDomain.name;
    } catch (err) {
      throw new CliFailure(`cannot parse bundle endpoint SPIFFE ID: ${errorText(err)}`);
    }
    view.https_spiffe = { endpoint_spiffe_id: fr.endpointSpiffeID };
  } else {
    throw new CliFailure(
      `unknown bundle endpoint profile type: ${JSON.stringify(fr.bundleEndpointProfile ?? '')}`,
    );
  }
  view.trust_domain_bundle = bundleFromConfig(fr, bundleTd);
  return view;
}

/** Reads `-data` (`{"federationRelationships":[…]}`; `-` = stdin). */
export async function relationshipsFromFile(path: string): Promise<RelationshipView[]> {
  let text: string;
  try {
    text = (await readFileOrStdin(path)).toString('utf8');
  } catch (err) {
    throw new CliFailure(fileErrorText(path, err));
  }
  let doc: { federationRelationships?: unknown };
  try {
    doc = JSON.parse(text) as { federationRelationships?: unknown };
  } catch (err) {
    throw new CliFailure(`failed to parse JSON: ${(err as Error).message}`);
  }
  const items = Array.isArray(doc?.federationRelationships) ? doc.federationRelationships : [];
  return items.map((item: unknown, i: number) => {
    try {
      return relationshipFromConfig((item ?? {}) as RelationshipConfig);
    } catch (err) {
      throw new CliFailure(`could not parse item ${i}: ${errorText(err)}`);
    }
  });
}

const LABEL_WIDTH = 26;

function line(label: string, value: string): string {
  return `${label.padEnd(LABEL_WIDTH)}: ${value}\n`;
}

/** SPIRE's relationship block (labels padded to 26 columns), plus the last refresh once there was one. */
export function formatRelationship(fr: RelationshipView): string {
  let text = line('Trust domain', fr.trust_domain) + line('Bundle endpoint URL', fr.bundle_endpoint_url);
  if (fr.https_spiffe) {
    text += line('Bundle endpoint profile', 'https_spiffe');
    text += line('Endpoint SPIFFE ID', fr.https_spiffe.endpoint_spiffe_id);
  } else if (fr.https_web) {
    text += line('Bundle endpoint profile', 'https_web');
  }
  const refreshed = Number(fr.last_refresh_time ?? 0);
  if (refreshed > 0) {
    text += line('Last refresh', new Date(refreshed * 1000).toISOString().replace('.000Z', 'Z'));
    text += line('Last refresh error', fr.last_refresh_error || '-');
  }
  return text;
}
