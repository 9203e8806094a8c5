/**
 * `telemetry { Prometheus { tls { … } } }`: the Prometheus listener over HTTPS with a certificate from files,
 * optionally requiring client certificates signed by `client_ca_file`. SPIRE's `use_spire_svid` and
 * `authorized_spiffe_ids` are refused with a reason (see {@link prometheusTlsIssues}).
 */
import * as fs from 'node:fs';
import type * as tls from 'node:tls';
import { InvalidArgumentError } from '@lanyard/base';
import { field } from '../config/schema';
import { issueAt, type ConfigIssue } from '../config/errors';
import type { Position } from '../config/tree';

/** Schema of the `tls {}` block inside `Prometheus {}`. */
export const prometheusTlsSchema = field.object('Prometheus tls', {
  cert_file: field.string({ nonEmpty: true }),
  key_file: field.string({ nonEmpty: true }),
  client_ca_file: field.string({ nonEmpty: true }),
  use_spire_svid: field.bool(),
  authorized_spiffe_ids: field.stringList(),
});

/** Decoded `tls {}` block. */
export interface PrometheusTlsConfig {
  cert_file?: string;
  key_file?: string;
  client_ca_file?: string;
  use_spire_svid?: boolean;
  authorized_spiffe_ids?: string[];
}

const SVID_TLS_REASON =
  'is not supported by Lanyard: the Prometheus listener does not serve with the process SVID; use cert_file and key_file (and client_ca_file for client certificates)';

/** Problems in the `tls {}` block, in SPIRE's words where SPIRE has them. */
export function prometheusTlsIssues(
  block: PrometheusTlsConfig | undefined,
  positions: ReadonlyMap<string, Position>,
): ConfigIssue[] {
  if (!block) return [];
  const at = ['telemetry', 'Prometheus', 'tls'];
  const issues: ConfigIssue[] = [];
  if (block.use_spire_svid) issues.push(issueAt(positions, [...at, 'use_spire_svid'], SVID_TLS_REASON));
  if (block.authorized_spiffe_ids?.length)
    issues.push(issueAt(positions, [...at, 'authorized_spiffe_ids'], SVID_TLS_REASON));
  if (!block.use_spire_svid && (!block.cert_file || !block.key_file))
    issues.push(
      issueAt(
        positions,
        at,
        'cert_file and key_file must both be configured unless use_spire_svid is enabled',
      ),
    );
  return issues;
}

/** `https.createServer` options for the block: the files are read now, so a bad path fails at start. */
export function prometheusTlsOptions(block: PrometheusTlsConfig): tls.TlsOptions {
  const read = (key: keyof PrometheusTlsConfig, path: string): Buffer => {
    try {
      return fs.readFileSync(path);
    } catch (err) {
      throw new InvalidArgumentError(
        `telemetry.Prometheus.tls.${key}: cannot read ${path}: ${(err as Error).message}`,
        'ERR_CONFIG',
      );
    }
  };
  const options: tls.TlsOptions = {
    cert: read('cert_file', block.cert_file ?? ''),
    key: read('key_file', block.key_file ?? ''),
    minVersion: 'TLSv1.2',
  };
  if (block.client_ca_file) {
    options.ca = read('client_ca_file', block.client_ca_file);
    options.requestCert = true;
    options.rejectUnauthorized = true;
  }
  return options;
}
