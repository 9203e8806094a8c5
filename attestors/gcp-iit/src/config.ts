import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { AgentPathTemplate, decodePluginData, field, type PluginData } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';
import { GCP_IIT_DEFAULT_PATH_TEMPLATE, GCP_IIT_PLUGIN_NAME } from './shared';

const P = GCP_IIT_PLUGIN_NAME;

/** Agent `plugin_data`. */
export interface GcpIitAgentConfig {
  /** Metadata server host (and optional port); default `metadata.google.internal`. */
  readonly identityTokenHost: string;
  /** Service account whose identity token is requested; default `default`. */
  readonly serviceAccount: string;
  /** Lanyard: per-request timeout in ms; default 5000. */
  readonly timeoutMs: number;
  /** Lanyard: attempts; default 3. */
  readonly attempts: number;
}

const AGENT_PLUGIN_DATA = {
  identity_token_host: field.string(),
  service_account: field.string(),
  metadata_timeout: field.duration(),
  metadata_attempts: field.int(),
};

/** Parses and validates agent `plugin_data`. */
export function parseAgentConfig(data: PluginData): GcpIitAgentConfig {
  const decoded = decodePluginData(P, data, AGENT_PLUGIN_DATA);
  const config = {
    identityTokenHost: decoded.identity_token_host || 'metadata.google.internal',
    serviceAccount: decoded.service_account || 'default',
    timeoutMs: decoded.metadata_timeout ?? 5000,
    attempts: decoded.metadata_attempts ?? 3,
  };
  if (!/^[A-Za-z0-9.-]+(:\d+)?$/.test(config.identityTokenHost))
    fail('identity_token_host', 'must be a host name with an optional port');
  if (!/^[A-Za-z0-9@._-]+$/.test(config.serviceAccount))
    fail('service_account', 'must be an account name or email');
  if (config.attempts < 1 || config.attempts > 10) fail('metadata_attempts', 'must be between 1 and 10');
  return config;
}

/** A service account key file (`type: service_account`), checked and handed to google-auth-library as is. */
export interface ServiceAccountKey {
  /** The file's JSON document (it holds the private key: never log it). */
  readonly json: Record<string, unknown>;
}

/** Server `plugin_data`. */
export interface GcpIitServerConfig {
  readonly projectIdAllowList: ReadonlySet<string>;
  readonly useInstanceMetadata: boolean;
  readonly serviceAccount?: ServiceAccountKey;
  readonly allowedLabelKeys: ReadonlySet<string>;
  readonly allowedMetadataKeys: ReadonlySet<string>;
  readonly maxMetadataValueSize: number;
  readonly pathTemplate: AgentPathTemplate;
  /** Lanyard: where Google's token-signing certificates are fetched (v1 PEM map or v3 JWKS). */
  readonly googleCertsUrl: string;
  /** Lanyard: Compute Engine API base URL ending in `/compute/v1/`. */
  readonly computeEndpoint: string;
}

const SERVER_PLUGIN_DATA = {
  projectid_allow_list: field.stringList(),
  service_account_file: field.string(),
  use_instance_metadata: field.bool(),
  allowed_label_keys: field.stringList(),
  allowed_metadata_keys: field.stringList(),
  max_metadata_value_size: field.int(),
  agent_path_template: field.string(),
  google_certs_url: field.string(),
  compute_endpoint: field.string(),
};

/** Parses and validates server `plugin_data`; a `service_account_file` is read and checked here. */
export function parseServerConfig(data: PluginData): GcpIitServerConfig {
  const decoded = decodePluginData(P, data, SERVER_PLUGIN_DATA);
  const allow = decoded.projectid_allow_list ?? [];
  const saFile = decoded.service_account_file;
  const config = {
    projectIdAllowList: new Set(allow),
    useInstanceMetadata: decoded.use_instance_metadata ?? false,
    allowedLabelKeys: new Set(decoded.allowed_label_keys ?? []),
    allowedMetadataKeys: new Set(decoded.allowed_metadata_keys ?? []),
    maxMetadataValueSize: decoded.max_metadata_value_size || 128,
    pathTemplate: AgentPathTemplate.parse(decoded.agent_path_template ?? GCP_IIT_DEFAULT_PATH_TEMPLATE, P),
    googleCertsUrl: decoded.google_certs_url ?? 'https://www.googleapis.com/oauth2/v1/certs',
    computeEndpoint: (decoded.compute_endpoint ?? 'https://compute.googleapis.com/compute/v1').replace(
      /\/*$/,
      '/',
    ),
  };
  if (allow.length === 0) fail('projectid_allow_list', 'is required');
  for (const key of ['google_certs_url', 'compute_endpoint'] as const) {
    const url = key === 'google_certs_url' ? config.googleCertsUrl : config.computeEndpoint;
    if (!/^https?:\/\/[^/]+/.test(url)) fail(key, 'must be an http or https URL');
  }
  return { ...config, serviceAccount: saFile === undefined ? undefined : readServiceAccount(saFile) };
}

function readServiceAccount(path: string): ServiceAccountKey {
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    fail('service_account_file', `cannot be read: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    // The parser's message quotes the file, which holds a private key.
    fail('service_account_file', 'is not valid JSON');
  }
  const doc = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const { type, client_email: clientEmail, private_key: privateKeyPem } = doc;
  if (type !== 'service_account' || typeof clientEmail !== 'string' || typeof privateKeyPem !== 'string') {
    fail('service_account_file', 'must be a service_account key with client_email and private_key');
  }
  try {
    createPrivateKey(privateKeyPem);
  } catch {
    fail('service_account_file', 'private_key is not a PEM private key');
  }
  return { json: doc };
}

function fail(key: string, problem: string): never {
  throw new InvalidArgumentError(`${P}: plugin_data.${key} ${problem}`, 'ERR_PLUGIN_CONFIG');
}
