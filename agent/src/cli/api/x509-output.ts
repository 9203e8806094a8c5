import type { X509Certificate } from 'node:crypto';
import * as path from 'node:path';
import type { Writable } from 'node:stream';
import { formatDuration, writeFileAtomicSync } from '@lanyard/base';
import { certificateInfo } from '@lanyard/spiffe';
import type { X509SvidView } from './x509-view';

/** Formats a time like Go's `time.Time.String()` in UTC: `2026-11-24 06:41:50 +0000 UTC`. */
export function goTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} +0000 UTC`;
}

function validity(out: string[], label: string, cert: X509Certificate): void {
  const info = certificateInfo(cert);
  out.push(`${label} Valid After:\t${goTime(info.notBefore)}`);
  out.push(`${label} Valid Until:\t${goTime(info.notAfter)}`);
}

/** SPIRE's pretty block for a fetched (or watched) X.509 response. */
export function formatX509Response(svids: readonly X509SvidView[], elapsedMs: number): string {
  const out = [
    `Received ${svids.length} svid${svids.length === 1 ? '' : 's'} after ${formatDuration(elapsedMs)}`,
  ];
  for (const svid of svids) {
    out.push('', `SPIFFE ID:\t\t${svid.spiffeId}`);
    if (svid.hint !== '') out.push(`Hint:\t\t\t${svid.hint}`);
    validity(out, 'SVID', svid.certificates[0]);
    svid.certificates.slice(1).forEach((cert, i) => validity(out, `Intermediate #${i + 1}`, cert));
    svid.bundle.forEach((cert, i) => validity(out, `CA #${i + 1}`, cert));
    for (const td of [...svid.federatedBundles.keys()].sort()) {
      svid.federatedBundles.get(td)!.forEach((cert, i) => validity(out, `[${td}] CA #${i + 1}`, cert));
    }
  }
  out.push('');
  return `${out.join('\n')}\n`;
}

function pemOf(certs: readonly X509Certificate[]): string {
  return certs.map((c) => c.toString()).join('');
}

/**
 * Writes `svid.<i>.pem` (0644), `svid.<i>.key` (PKCS#8, 0600), `bundle.<i>.pem` and
 * `federated_bundle.<i>.<j>.pem` (trust domains sorted) into `dir`, announcing each file like SPIRE.
 */
export function writeX509Response(dir: string, svids: readonly X509SvidView[], out: Writable): void {
  const write = (file: string, data: string, mode: number): void => writeFileAtomicSync(file, data, { mode });
  svids.forEach((svid, i) => {
    const svidPath = path.join(dir, `svid.${i}.pem`);
    const keyPath = path.join(dir, `svid.${i}.key`);
    const bundlePath = path.join(dir, `bundle.${i}.pem`);
    out.write(`Writing SVID #${i} to file ${svidPath}.\n`);
    write(svidPath, pemOf(svid.certificates), 0o644);
    out.write(`Writing key #${i} to file ${keyPath}.\n`);
    write(keyPath, svid.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), 0o600);
    out.write(`Writing bundle #${i} to file ${bundlePath}.\n`);
    write(bundlePath, pemOf(svid.bundle), 0o644);
    [...svid.federatedBundles.keys()].sort().forEach((td, j) => {
      const file = path.join(dir, `federated_bundle.${i}.${j}.pem`);
      out.write(`Writing federated bundle #${j} for trust domain ${td} to file ${file}.\n`);
      write(file, pemOf(svid.federatedBundles.get(td)!), 0o644);
    });
  });
}
