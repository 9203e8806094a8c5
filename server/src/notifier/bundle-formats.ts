/** The encodings `BundlePublisher "k8s_configmap"` writes (SPIRE's `format`: `pem`, `spiffe`, `jwks`). */
import type { SpiffeBundle } from '@lanyard/spiffe';
import type { BundleFormat } from './k8s-settings';

/**
 * Encodes `bundle`: `pem` the X.509 authorities only; `spiffe` the SPIFFE bundle document (with `refresh_hint`
 * as `spiffe_refresh_hint` when set); `jwks` a plain RFC 7517 key set without the SPIFFE parameters (no
 * `spiffe_sequence`, `spiffe_refresh_hint`, nor `use`).
 */
export function encodeBundle(
  bundle: SpiffeBundle,
  format: BundleFormat,
  refreshHintSeconds?: number,
): string {
  if (format === 'pem') return bundle.toPem();
  const doc = JSON.parse(bundle.marshal()) as {
    spiffe_sequence?: number;
    spiffe_refresh_hint?: number;
    keys: Array<Record<string, unknown>>;
  };
  if (format === 'spiffe') {
    if (refreshHintSeconds !== undefined) doc.spiffe_refresh_hint = refreshHintSeconds;
    return JSON.stringify(doc, null, 4);
  }
  const keys = doc.keys.map(({ use: _use, ...key }) => key);
  return JSON.stringify({ keys }, null, 4);
}
