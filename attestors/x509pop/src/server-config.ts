import { readFile } from 'node:fs/promises';
import type { X509Certificate } from 'node:crypto';
import { AgentPathTemplate, decodePluginData, field, type PluginData } from '@lanyard/attestor-core';
import { FailedPreconditionError, InvalidArgumentError } from '@lanyard/base';
import { parseCertificates } from '@lanyard/spiffe/x509';
import { X509POP_PLUGIN_NAME } from './shared';

/** Parsed `plugin_data` of the server half. */
export interface X509PopServerConfig {
  /** `external_pki`: roots from `ca_bundle_path(s)`; `spiffe`: the server's own trust bundle. */
  readonly mode: 'external_pki' | 'spiffe';
  /** Roots of `external_pki` mode (empty in `spiffe` mode). */
  readonly caBundle: readonly X509Certificate[];
  /** `spiffe` mode: the prefix (ending in `/`) every exchanged SVID path must start with; `/` allows all. */
  readonly svidPrefix: string;
  readonly template: AgentPathTemplate;
  readonly maxIntermediates: number;
  readonly maxRsaKeySize: number;
}

const SERVER_PLUGIN_DATA = {
  mode: field.string({ oneOf: ['external_pki', 'spiffe'] }),
  svid_prefix: field.string(),
  spiffe_prefix: field.string(),
  ca_bundle_path: field.string({ nonEmpty: true }),
  ca_bundle_paths: field.stringList(),
  agent_path_template: field.string(),
  max_intermediates: field.int({ min: 1 }),
  max_rsa_key_size: field.int({ min: 1 }),
  verify_client_ip: field.bool(),
};

const DEFAULT_TEMPLATE = {
  external_pki: '/{{ .PluginName }}/{{ .Fingerprint }}',
  spiffe: '/{{ .PluginName }}/{{ .SVIDPathTrimmed }}',
};

function fail(message: string): never {
  throw new InvalidArgumentError(`${X509POP_PLUGIN_NAME}: ${message}`, 'ERR_PLUGIN_CONFIG');
}

async function loadBundle(path: string): Promise<X509Certificate[]> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (error) {
    throw new FailedPreconditionError(
      `${X509POP_PLUGIN_NAME}: unable to load trust bundle "${path}": ${(error as Error).message}`,
      'ERR_X509POP_FILE',
    );
  }
  try {
    return parseCertificates(pem, 'ca bundle');
  } catch (error) {
    return fail(`unable to load trust bundle "${path}": ${(error as Error).message}`);
  }
}

function bundlePaths(path: string | undefined, paths: readonly string[] | undefined): string[] {
  if (path !== undefined && paths !== undefined && paths.length > 0) {
    fail('only one of ca_bundle_path or ca_bundle_paths can be configured, not both');
  }
  const all = path !== undefined ? [path] : [...(paths ?? [])];
  if (all.length === 0) fail('one of ca_bundle_path or ca_bundle_paths must be configured');
  return all;
}

/**
 * Reads and validates the server half's `plugin_data` (SPIRE's keys; `spiffe_prefix`, the name SPIRE's code reads,
 * is accepted as an alias of the documented `svid_prefix`) and loads the CA bundles.
 * @throws InvalidArgumentError naming the key; FailedPreconditionError for an unreadable bundle file.
 */
export async function parseX509PopServerConfig(data: PluginData): Promise<X509PopServerConfig> {
  const d = decodePluginData(X509POP_PLUGIN_NAME, data, SERVER_PLUGIN_DATA);
  if (d.verify_client_ip) {
    fail(
      "plugin_data.verify_client_ip is not supported: node attestors do not see the agent connection's address",
    );
  }
  if (d.svid_prefix !== undefined && d.spiffe_prefix !== undefined) {
    fail('plugin_data.svid_prefix and spiffe_prefix are the same setting; give one');
  }
  const mode = (d.mode ?? 'external_pki') as X509PopServerConfig['mode'];
  const caBundle: X509Certificate[] = [];
  if (mode === 'spiffe') {
    if (d.ca_bundle_path !== undefined || (d.ca_bundle_paths ?? []).length > 0) {
      fail('you can not use ca_bundle_path or ca_bundle_paths in spiffe mode');
    }
  } else {
    for (const path of bundlePaths(d.ca_bundle_path, d.ca_bundle_paths))
      caBundle.push(...(await loadBundle(path)));
  }
  let svidPrefix = d.svid_prefix ?? d.spiffe_prefix ?? '/spire-exchange';
  if (!svidPrefix.endsWith('/')) svidPrefix += '/';
  const template =
    d.agent_path_template === undefined || d.agent_path_template === ''
      ? DEFAULT_TEMPLATE[mode]
      : d.agent_path_template;
  return {
    mode,
    caBundle,
    svidPrefix,
    template: AgentPathTemplate.parse(template, X509POP_PLUGIN_NAME),
    maxIntermediates: d.max_intermediates ?? 4,
    maxRsaKeySize: d.max_rsa_key_size ?? 8192,
  };
}
