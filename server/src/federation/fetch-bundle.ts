/**
 * One fetch of a foreign trust domain's SPIFFE bundle from its bundle endpoint (SPIFFE Federation §5), with
 * the endpoint authenticated per profile, a deadline and a body size bound. Nothing is stored here.
 */
import type { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { request, type RequestOptions } from 'node:https';
import type { DetailedPeerCertificate, PeerCertificate } from 'node:tls';
import { rootCertificates } from 'node:tls';
import { UnavailableError } from '@lanyard/base';
import {
  SpiffeBundle,
  SpiffeId,
  TrustDomain,
  authorizeId,
  certificatesToPem,
  peerChain,
  verifyPeer,
  verifyX509Svid,
} from '@lanyard/spiffe';

/** Where and how to fetch. */
export interface FetchBundleRequest {
  /** The trust domain whose bundle the endpoint serves. */
  trustDomain: string;
  bundleEndpointUrl: string;
  profile: 'https_web' | 'https_spiffe';
  /** `https_spiffe`: the SPIFFE ID the endpoint must present. */
  endpointSpiffeId?: string;
  /** `https_spiffe`: the stored bundle of the endpoint SPIFFE ID's trust domain (what its SVID must chain to). */
  endpointBundle?: SpiffeBundle;
}

/** Limits and trust settings shared by every fetch. */
export interface FetchBundleLimits {
  /** Whole-request deadline. */
  timeoutMs: number;
  /** Largest accepted body. */
  maxBodyBytes: number;
  /**
   * `https_web`: PEM roots trusted in addition to the system roots. By default Node's own store is used, which
   * includes `NODE_EXTRA_CA_CERTS`.
   */
  extraWebRoots?: string[];
  /** Aborts the request (server shutdown). */
  signal?: AbortSignal;
}

const KNOWN_USES = new Set(['x509-svid', 'jwt-svid']);

/** A fetch failure; its message is what `federation show` reports. */
export class BundleFetchError extends UnavailableError {
  constructor(message: string) {
    super(message, 'ERR_FEDERATED_BUNDLE_FETCH');
  }
}

function tlsOptions(req: FetchBundleRequest, limits: FetchBundleLimits, peer: { chain: X509Certificate[] }) {
  if (req.profile === 'https_web') {
    const extra = limits.extraWebRoots;
    return extra && extra.length > 0 ? { ca: [...rootCertificates, ...extra] } : {};
  }
  const endpointId = SpiffeId.parse(req.endpointSpiffeId ?? '');
  const bundle = req.endpointBundle;
  if (bundle === undefined || bundle.x509Authorities.length === 0) {
    throw new BundleFetchError(
      `no stored bundle for trust domain "${endpointId.trustDomain.name}" to authenticate the endpoint; bootstrap it with \`bundle set\``,
    );
  }
  return {
    ca: certificatesToPem(bundle.x509Authorities),
    checkServerIdentity: (_host: string, cert: PeerCertificate): Error | undefined => {
      try {
        peer.chain = peerChain(cert as DetailedPeerCertificate);
        verifyPeer(peer.chain, bundle, authorizeId(endpointId));
        return undefined;
      } catch (err) {
        return err as Error;
      }
    },
  };
}

function readBody(res: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(res.headers['content-length'] ?? 0);
    if (declared > maxBytes) {
      res.destroy();
      reject(new BundleFetchError(`bundle is larger than ${maxBytes} bytes`));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        res.destroy();
        reject(new BundleFetchError(`bundle is larger than ${maxBytes} bytes`));
      } else chunks.push(chunk);
    });
    res.on('end', () => resolve(Buffer.concat(chunks)));
    res.on('error', reject);
  });
}

function get(url: string, options: RequestOptions, limits: FetchBundleLimits): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { ...options, method: 'GET', agent: false, signal: limits.signal }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reject(new BundleFetchError(`unexpected HTTP status ${res.statusCode ?? 0}`));
        return;
      }
      readBody(res, limits.maxBodyBytes).then(resolve, reject);
    });
    const timer = setTimeout(() => {
      req.destroy(new BundleFetchError(`no complete answer within ${limits.timeoutMs / 1000}s`));
    }, limits.timeoutMs);
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end();
  });
}

/** Refuses entries whose `use` is missing or unknown (SPIRE's bundle client does not store such documents). */
function checkUses(body: Buffer, what: string): void {
  const keys = (JSON.parse(body.toString('utf8')) as { keys: Array<{ use?: unknown }> }).keys;
  keys.forEach((key, i) => {
    if (typeof key.use !== 'string' || !KNOWN_USES.has(key.use)) {
      throw new BundleFetchError(`${what}: keys[${i}] has unknown use ${JSON.stringify(key.use ?? null)}`);
    }
  });
}

/**
 * Fetches and parses the bundle. For a self-serving `https_spiffe` endpoint (endpoint ID in the fetched trust
 * domain) the new bundle must also authenticate the endpoint's SVID, which catches an endpoint serving another
 * trust domain's bundle.
 * @throws BundleFetchError (or the parser's InvalidArgumentError) with a message naming the problem.
 */
export async function fetchBundle(req: FetchBundleRequest, limits: FetchBundleLimits): Promise<SpiffeBundle> {
  const peer: { chain: X509Certificate[] } = { chain: [] };
  const trustDomain = TrustDomain.parse(req.trustDomain);
  let body: Buffer;
  try {
    body = await get(req.bundleEndpointUrl, tlsOptions(req, limits, peer), limits);
  } catch (err) {
    if (err instanceof BundleFetchError) throw err;
    throw new BundleFetchError(`fetching ${req.bundleEndpointUrl}: ${(err as Error).message}`);
  }
  const what = `spiffe bundle for "${trustDomain.name}"`;
  const bundle = SpiffeBundle.parse(trustDomain, body);
  checkUses(body, what);
  const endpointId = req.endpointSpiffeId ? SpiffeId.parse(req.endpointSpiffeId) : undefined;
  if (req.profile === 'https_spiffe' && endpointId?.trustDomain.equals(trustDomain)) {
    try {
      verifyX509Svid(peer.chain, bundle);
    } catch {
      throw new BundleFetchError(
        `${what}: the fetched bundle does not authenticate the endpoint's own SVID "${endpointId}"; is it the bundle of another trust domain?`,
      );
    }
  }
  return bundle;
}
