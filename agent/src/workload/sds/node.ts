/** What the Envoy node of a discovery request tells about the answer it can take. */
import type { EnvoyNode__Output } from '@lanyard/proto';

/** Node metadata key with which an Envoy overrides `disable_spiffe_cert_validation`. */
export const DISABLE_SPIFFE_CERT_VALIDATION_KEY = 'disable_spiffe_cert_validation';

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** A metadata value read as a boolean (bool, or a string Go's ParseBool accepts); undefined otherwise. */
function metadataBool(node: EnvoyNode__Output | null | undefined, key: string): boolean | undefined {
  const value = node?.metadata?.fields?.[key];
  if (!value) return undefined;
  if (value.kind === 'boolValue') return value.boolValue;
  if (value.kind === 'stringValue' && value.stringValue !== undefined) {
    if (TRUE_WORDS.has(value.stringValue)) return true;
    if (FALSE_WORDS.has(value.stringValue)) return false;
  }
  return undefined;
}

/**
 * True when the node's Envoy knows the SPIFFE certificate validator: a build version of 1.18 or later, or
 * no build version at all (assumed recent, as SPIRE does).
 */
export function supportsSpiffeValidator(node: EnvoyNode__Output | null | undefined): boolean {
  const version = node?.user_agent_build_version?.version;
  if (!node?.user_agent_build_version) return true;
  const major = version?.major_number ?? 0;
  const minor = version?.minor_number ?? 0;
  return (major === 1 && minor > 17) || major > 1;
}

/**
 * Whether validation contexts use the SPIFFE validator: the configured `disable_spiffe_cert_validation`,
 * overridden by the node metadata key of the same name when it holds a boolean, and only for Envoys that
 * support the validator.
 */
export function useSpiffeValidator(
  node: EnvoyNode__Output | null | undefined,
  disabledByConfig: boolean,
): boolean {
  const disabled = metadataBool(node, DISABLE_SPIFFE_CERT_VALIDATION_KEY) ?? disabledByConfig;
  return !disabled && supportsSpiffeValidator(node);
}
