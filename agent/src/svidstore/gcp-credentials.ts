/**
 * Google OAuth 2.0 access for gcp_secretmanager. A service account key file is exchanged for access tokens with
 * the JWT-bearer grant at the file's own `token_uri` (google-auth-library's JWT client always posts to
 * oauth2.googleapis.com, whatever the file says), behind an `OAuth2Client` so the Secret Manager SDK refreshes
 * tokens the usual way. Without a key file, Application Default Credentials apply (e.g. the GCE metadata server).
 */
import { type KeyObject, createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InternalError } from '@lanyard/base';
import { ConfigError } from '@lanyard/common';
import { GoogleAuth, OAuth2Client } from 'google-auth-library';

/** The one scope Secret Manager needs. */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_TIMEOUT_MS = 20_000;

/** The fields of a service account key file the grant needs. */
export interface ServiceAccountKey {
  readonly clientEmail: string;
  readonly privateKeyId: string;
  readonly privateKey: KeyObject;
  readonly tokenUri: string;
}

/**
 * Reads a service account key file (`type: service_account`).
 * @throws ConfigError naming the file and what is wrong with it (never its key).
 */
export function readServiceAccountKey(plugin: string, file: string): ServiceAccountKey {
  const fail = (message: string): never => {
    throw new ConfigError(
      [{ path: 'plugin_data.service_account_file', message: `${file}: ${message}` }],
      plugin,
    );
  };
  let doc: Record<string, unknown> = {};
  try {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    fail(`cannot be read as JSON: ${(err as NodeJS.ErrnoException).code ?? 'invalid JSON'}`);
  }
  if (doc.type !== 'service_account') fail('type must be "service_account"');
  const { client_email: clientEmail, private_key: pem, private_key_id: keyId, token_uri: tokenUri } = doc;
  if (typeof clientEmail !== 'string' || clientEmail === '') fail('client_email is missing');
  if (typeof tokenUri !== 'string' || !URL.canParse(tokenUri)) fail('token_uri must be a URL');
  let privateKey: KeyObject | undefined;
  try {
    privateKey = createPrivateKey(String(pem));
  } catch {
    fail('private_key is not a PEM private key');
  }
  return {
    clientEmail: clientEmail as string,
    privateKeyId: typeof keyId === 'string' ? keyId : '',
    privateKey: privateKey as KeyObject,
    tokenUri: tokenUri as string,
  };
}

function assertion(key: ServiceAccountKey, nowSeconds: number): string {
  const encode = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
  const header = { alg: 'RS256', typ: 'JWT', ...(key.privateKeyId ? { kid: key.privateKeyId } : {}) };
  const claims = {
    iss: key.clientEmail,
    scope: CLOUD_PLATFORM_SCOPE,
    aud: key.tokenUri,
    iat: nowSeconds,
    exp: nowSeconds + 3600,
  };
  const input = `${encode(header)}.${encode(claims)}`;
  return `${input}.${sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

/** Runs the JWT-bearer grant once. @throws InternalError naming the endpoint and Google's error. */
async function fetchAccessToken(
  key: ServiceAccountKey,
): Promise<{ access_token: string; expiry_date: number }> {
  const now = Date.now();
  let res: Response;
  let body: { access_token?: unknown; expires_in?: unknown; error?: unknown; error_description?: unknown };
  try {
    res = await fetch(key.tokenUri, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: JWT_BEARER,
        assertion: assertion(key, Math.floor(now / 1000)),
      }),
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
    body = (await res.json()) as typeof body;
  } catch (err) {
    throw new InternalError(
      `failed to get an access token from ${new URL(key.tokenUri).origin}: ${(err as Error).message}`,
      'ERR_SVIDSTORE_GCP_AUTH',
    );
  }
  if (!res.ok || typeof body.access_token !== 'string') {
    const why = [body.error, body.error_description].filter((v) => typeof v === 'string').join(': ');
    throw new InternalError(
      `failed to get an access token for ${key.clientEmail}: HTTP ${res.status}${why ? `: ${why}` : ''}`,
      'ERR_SVIDSTORE_GCP_AUTH',
    );
  }
  return { access_token: body.access_token, expiry_date: now + (Number(body.expires_in) || 300) * 1000 };
}

/**
 * An auth client for the Secret Manager SDK: the key file's grant, or Application Default Credentials. Requests
 * go through Node's own `fetch` (gaxios would otherwise load node-fetch with a dynamic ES module import).
 */
export function googleAuthClient(key: ServiceAccountKey | undefined): OAuth2Client | GoogleAuth {
  const transporterOptions = { fetchImplementation: fetch };
  if (key === undefined) {
    return new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE], clientOptions: { transporterOptions } });
  }
  const client = new OAuth2Client({ transporterOptions });
  client.refreshHandler = () => fetchAccessToken(key);
  return client;
}
