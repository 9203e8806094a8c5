/** Parsing the server's managed-workloads answers into the library's SVID and bundle types. */
import { X509Certificate, type KeyObject } from 'node:crypto';
import { ManagedWorkloadError } from '../errors/managed-workload-error';
import { LanyardError } from '@lanyard/base';
import { SpiffeBundle, X509Bundle } from '../bundle';
import { TrustDomain } from '../id';
import { JwtSvid } from '../jwt';
import { X509Svid } from '../x509';

/** The X.509 answer: SVIDs that share the CSR's key, and the trust domain's X.509 authorities. */
export interface ManagedX509Response {
  readonly svids: readonly X509Svid[];
  readonly bundle: X509Bundle;
}

function malformed(what: string, problem: string, cause?: unknown): ManagedWorkloadError {
  return new ManagedWorkloadError('ERR_MANAGED_RESPONSE', `${what}: ${problem}`, { cause });
}

/** Runs `parse`, turning a library error into `ERR_MANAGED_RESPONSE` naming `what`. */
function guarded<T>(what: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ManagedWorkloadError || !(err instanceof LanyardError)) throw err;
    throw malformed(what, err.message, err);
  }
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw malformed(what, 'not an object');
  return value as Record<string, unknown>;
}

function string(doc: Record<string, unknown>, member: string, what: string): string {
  const value = doc[member];
  if (typeof value !== 'string' || value === '')
    throw malformed(what, `"${member}" is not a non-empty string`);
  return value;
}

function list(doc: Record<string, unknown>, member: string, what: string): unknown[] {
  const value = doc[member];
  if (!Array.isArray(value) || value.length === 0)
    throw malformed(what, `"${member}" is not a non-empty array`);
  return value;
}

function certificate(value: unknown, what: string): X509Certificate {
  if (typeof value !== 'string') throw malformed(what, 'a certificate is not a base64 string');
  try {
    return new X509Certificate(Buffer.from(value, 'base64'));
  } catch (err) {
    throw malformed(what, `a certificate does not parse: ${(err as Error).message}`, err);
  }
}

/** Parses `{"svids": [{"spiffe_id", "token", "expires_at"}]}`; each token must name one of `audience`. */
export function parseJwtSvidsResponse(body: unknown, audience: readonly string[]): JwtSvid[] {
  const what = 'jwt-svid answer';
  return list(record(body, what), 'svids', what).map((item, i) => {
    const svid = record(item, `${what} svids[${i}]`);
    const id = string(svid, 'spiffe_id', `${what} svids[${i}]`);
    const parsed = guarded(`${what} svids[${i}]`, () =>
      JwtSvid.parseInsecure(string(svid, 'token', `${what} svids[${i}]`), { audience }),
    );
    if (parsed.id.toString() !== id) {
      throw malformed(what, `svids[${i}] token is for "${parsed.id.toString()}", not "${id}"`);
    }
    return parsed;
  });
}

/** Parses the X.509 answer; every SVID must match `privateKey` (the key of the CSR that was sent). */
export function parseX509SvidsResponse(body: unknown, privateKey: KeyObject): ManagedX509Response {
  const what = 'x509-svid answer';
  const doc = record(body, what);
  const svids = list(doc, 'svids', what).map((item, i) => {
    const svid = record(item, `${what} svids[${i}]`);
    const id = string(svid, 'spiffe_id', `${what} svids[${i}]`);
    const chain = list(svid, 'cert_chain', `${what} svids[${i}]`).map((c) =>
      certificate(c, `${what} svids[${i}]`),
    );
    const parsed = guarded(`${what} svids[${i}]`, () => X509Svid.fromParts(chain, privateKey));
    if (parsed.id.toString() !== id) {
      throw malformed(what, `svids[${i}] certificate is for "${parsed.id.toString()}", not "${id}"`);
    }
    return parsed;
  });
  const bundleDoc = record(doc.bundle, `${what} bundle`);
  const trustDomain = guarded(`${what} bundle`, () =>
    TrustDomain.parse(string(bundleDoc, 'trust_domain', `${what} bundle`)),
  );
  const roots = list(bundleDoc, 'x509_authorities', `${what} bundle`).map((c) =>
    certificate(c, `${what} bundle`),
  );
  for (const svid of svids) {
    if (!svid.id.trustDomain.equals(trustDomain)) {
      throw malformed(
        what,
        `"${svid.id.toString()}" is not in the bundle's trust domain "${trustDomain.name}"`,
      );
    }
  }
  return { svids, bundle: new X509Bundle(trustDomain, roots) };
}

/** Parses the SPIFFE bundle document (JWKS) of `trustDomain` from `GET /v1/managed/bundle`. */
export function parseBundleResponse(text: string, trustDomain: TrustDomain): SpiffeBundle {
  return guarded('bundle answer', () => SpiffeBundle.parse(trustDomain, text));
}
