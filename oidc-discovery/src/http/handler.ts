/**
 * The provider's two endpoints, as SPIRE serves them: `<prefix>.well-known/openid-configuration` (issuer and
 * `jwks_uri`, host checked against `domains`) and `<prefix>keys` (the JWKS, no host check, never cached by
 * HTTP caches). Any method but GET (or HEAD) is 405.
 */
import type * as http from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { OidcConfig } from '../config/types';
import { buildJwks } from '../keys/jwks';
import type { KeySet } from '../keys/key-source';

/** What the handler needs to know. */
export interface HandlerOptions {
  readonly config: Pick<
    OidcConfig,
    'domains' | 'jwtIssuer' | 'jwksUri' | 'setKeyUse' | 'pathPrefix' | 'allowInsecureScheme'
  >;
  /** The current key set, undefined until the source first answered. */
  readonly keySet: () => KeySet | undefined;
  /** Called once per request when `log_requests` is on. */
  readonly logRequest?: (req: http.IncomingMessage, status: number) => void;
}

/** Algorithms the discovery document lists (SPIRE's list). */
const SIGNING_ALGS = ['RS256', 'ES256', 'ES384'];

function send(
  res: http.ServerResponse,
  status: number,
  body: string,
  headers: http.OutgoingHttpHeaders = {},
): number {
  res.writeHead(status, {
    'Content-Type': status < 300 ? 'application/json' : 'text/plain; charset=utf-8',
    ...headers,
  });
  res.end(body);
  return status;
}

/** The host the client asked for (`X-Forwarded-Host` first, then `Host`), port included. */
function rawHost(req: http.IncomingMessage): string {
  const forwarded = req.headers['x-forwarded-host'];
  const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0].trim();
  return first || req.headers.host || '';
}

/** The request's host name (as {@link rawHost}), lower case, without port. */
export function requestHost(req: http.IncomingMessage): string {
  const raw = rawHost(req);
  const withoutPort = raw.startsWith('[') ? raw.slice(0, raw.indexOf(']') + 1) : raw.replace(/:\d+$/, '');
  return withoutPort.toLowerCase();
}

function discovery(req: http.IncomingMessage, res: http.ServerResponse, options: HandlerOptions): number {
  const { config } = options;
  const host = requestHost(req);
  if (!config.domains.includes(host)) {
    return send(res, 400, `domain "${host}" is not allowed\n`);
  }
  const tls = (req.socket as TLSSocket).encrypted === true;
  const scheme = tls || !config.allowInsecureScheme ? 'https' : 'http';
  const base = config.pathPrefix === '/' ? '' : config.pathPrefix.replace(/\/$/, '');
  const issuer = config.jwtIssuer ?? `${scheme}://${rawHost(req)}${base}`;
  let jwksUri = config.jwksUri;
  if (!jwksUri && config.jwtIssuer) {
    const url = new URL(config.jwtIssuer);
    jwksUri = `${url.origin}${url.pathname.replace(/\/$/, '')}/keys`;
  }
  jwksUri ??= `${scheme}://${rawHost(req)}${config.pathPrefix}keys`;
  const doc = {
    issuer,
    jwks_uri: jwksUri,
    authorization_endpoint: '',
    response_types_supported: ['id_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: SIGNING_ALGS,
  };
  return send(res, 200, JSON.stringify(doc, null, 2), { 'Access-Control-Allow-Origin': '*' });
}

/** The JWKS body of the last key set served, so an unchanged set is not exported again per request. */
const bodies = new WeakMap<KeySet, string | undefined>();

function jwksBody(set: KeySet, setKeyUse: boolean): string | undefined {
  if (!bodies.has(set)) {
    const jwks = buildJwks(set.authorities, setKeyUse);
    bodies.set(set, jwks.keys.length === 0 ? undefined : JSON.stringify({ keys: jwks.keys }, null, 2));
  }
  return bodies.get(set);
}

function keys(req: http.IncomingMessage, res: http.ServerResponse, options: HandlerOptions): number {
  const set = options.keySet();
  if (!set) return send(res, 500, 'document not available\n');
  const body = jwksBody(set, options.config.setKeyUse);
  if (body === undefined) return send(res, 501, 'jwt not supported/enabled in this service\n');
  const headers = {
    'Access-Control-Allow-Origin': '*',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    Expires: '0',
    'Last-Modified': set.modifiedAt.toUTCString(),
  };
  const since = Date.parse(String(req.headers['if-modified-since'] ?? ''));
  if (!Number.isNaN(since) && set.modifiedAt.getTime() <= since) {
    res.writeHead(304, headers).end();
    return 304;
  }
  return send(res, 200, body, headers);
}

/** Creates the request listener. */
export function createHandler(options: HandlerOptions): http.RequestListener {
  const prefix = options.config.pathPrefix;
  return (req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    let status: number;
    if (path !== `${prefix}.well-known/openid-configuration` && path !== `${prefix}keys`) {
      status = send(res, 404, 'not found\n');
    } else if (req.method !== 'GET' && req.method !== 'HEAD') {
      status = send(res, 405, 'method not allowed\n', { Allow: 'GET' });
    } else if (path === `${prefix}keys`) {
      status = keys(req, res, options);
    } else {
      status = discovery(req, res, options);
    }
    options.logRequest?.(req, status);
  };
}
