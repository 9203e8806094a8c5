/**
 * The bootstrap trust bundle: the server's roots the agent trusts before its first attestation, read from
 * `trust_bundle_path`, downloaded from `trust_bundle_url`, or absent with `insecure_bootstrap`.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import { SpiffeBundle, TrustDomain, X509Bundle } from '@lanyard/spiffe';
import { FailedPreconditionError, UnavailableError } from '@lanyard/base';
import type { TrustBootstrap } from '../config/types';

/** Largest bundle document accepted from a URL. */
const MAX_BUNDLE_BYTES = 1024 * 1024;
const FETCH_TIMEOUT_MS = 10_000;

/** Parses a bundle (PEM certificates or a SPIFFE bundle document) into root certificates, DER each. */
export function parseBootstrapBundle(
  text: Buffer,
  format: 'pem' | 'spiffe',
  trustDomain: string,
  source: string,
): Buffer[] {
  const td = TrustDomain.parse(trustDomain);
  let roots: readonly { raw: Buffer }[];
  try {
    roots =
      format === 'spiffe'
        ? SpiffeBundle.parse(td, text).x509Authorities
        : X509Bundle.parse(td, text.toString('utf8')).x509Authorities;
  } catch (err) {
    throw new FailedPreconditionError(
      `unable to parse trust bundle from ${source}: ${(err as Error).message}`,
      'ERR_TRUST_BUNDLE',
    );
  }
  if (roots.length === 0) {
    throw new FailedPreconditionError(
      `trust bundle from ${source} holds no certificates`,
      'ERR_TRUST_BUNDLE',
    );
  }
  return roots.map((cert) => Buffer.from(cert.raw));
}

function download(url: string, unixSocket: string | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const client = url.startsWith('https:') ? https : http;
    const request = client.get(url, { socketPath: unixSocket, timeout: FETCH_TIMEOUT_MS }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new UnavailableError(`error downloading trust bundle: unexpected status ${res.statusCode}`));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_BUNDLE_BYTES) request.destroy(new Error('trust bundle is larger than 1 MiB'));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve(Buffer.concat(chunks)));
      res.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', (err) =>
      reject(new UnavailableError(`error downloading trust bundle: ${err.message}`, 'ERR_TRUST_BUNDLE_URL')),
    );
  });
}

/**
 * Loads the bootstrap roots. Returns undefined with `insecure_bootstrap` (the server is then not verified on
 * the first connection).
 * @throws FailedPreconditionError when the file cannot be read or parsed; UnavailableError when the URL fails.
 */
export async function loadBootstrapBundle(
  bootstrap: TrustBootstrap,
  trustDomain: string,
): Promise<Buffer[] | undefined> {
  if (bootstrap.kind === 'insecure') return undefined;
  if (bootstrap.kind === 'url') {
    const body = await download(bootstrap.url, bootstrap.unixSocket);
    return parseBootstrapBundle(body, bootstrap.format, trustDomain, bootstrap.url);
  }
  let text: Buffer;
  try {
    text = fs.readFileSync(bootstrap.path);
  } catch (err) {
    throw new FailedPreconditionError(
      `could not read trust bundle at "${bootstrap.path}": ${(err as NodeJS.ErrnoException).code ?? err}`,
      'ERR_TRUST_BUNDLE',
    );
  }
  return parseBootstrapBundle(text, bootstrap.format, trustDomain, `"${bootstrap.path}"`);
}
