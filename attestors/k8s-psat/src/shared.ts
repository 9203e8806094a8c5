import type { Selector } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';

/** Plugin name as configured: `NodeAttestor "k8s_psat"`. */
export const K8S_PSAT_PLUGIN_NAME = 'k8s_psat';

/** Default agent ID path: `/k8s_psat/<cluster>/<node UID>`. */
export const K8S_PSAT_DEFAULT_PATH_TEMPLATE = '/{{ .PluginName }}/{{ .Cluster }}/{{ .NodeUID }}';

/** Agent ID path with `use_pod_uid_for_agent_id`: `/k8s_psat/<cluster>/pod/<pod UID>`. */
export const K8S_PSAT_POD_PATH_TEMPLATE = '/{{ .PluginName }}/{{ .Cluster }}/pod/{{ .PodUID }}';

/** Default agent `token_path`: the projected token volume SPIRE's manifests mount. */
export const K8S_PSAT_DEFAULT_TOKEN_PATH = '/var/run/secrets/tokens/spire-agent';

/** The attestation payload, JSON with SPIRE's field names. */
export interface PsatPayload {
  readonly cluster: string;
  readonly token: string;
}

/** Serialises the payload as SPIRE's agent does: `{"cluster":"…","token":"…"}`. */
export function encodePsatPayload(payload: PsatPayload): Buffer {
  return Buffer.from(JSON.stringify({ cluster: payload.cluster, token: payload.token }));
}

/**
 * Parses and checks the payload.
 * @throws InvalidArgumentError when it is not JSON or `cluster`/`token` is missing.
 */
export function decodePsatPayload(bytes: Buffer): PsatPayload {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    throw new InvalidArgumentError(
      `k8s_psat: failed to unmarshal data payload: ${(error as Error).message}`,
      'ERR_K8S_PSAT_PAYLOAD',
    );
  }
  const { cluster, token } = (typeof value === 'object' && value !== null ? value : {}) as Record<
    string,
    unknown
  >;
  if (typeof cluster !== 'string' || cluster === '') {
    throw new InvalidArgumentError('k8s_psat: missing cluster in attestation data', 'ERR_K8S_PSAT_PAYLOAD');
  }
  if (typeof token !== 'string' || token === '') {
    throw new InvalidArgumentError('k8s_psat: missing token in attestation data', 'ERR_K8S_PSAT_PAYLOAD');
  }
  return { cluster, token };
}

/** A `k8s_psat` selector; parts are joined with `:` (`agent_node_label:<k>:<v>`). */
export function psatSelector(...parts: string[]): Selector {
  return { type: K8S_PSAT_PLUGIN_NAME, value: parts.join(':') };
}
