/** Validates `ServerCaOptions` and applies SPIRE's defaults. */
import { InvalidArgumentError } from '@lanyard/base';
import { silentLogger, type PluginLogger } from '@lanyard/attestor-core';
import { SpiffeIdError, TrustDomain } from '@lanyard/spiffe';
import { parseKeyType } from './keys/key-types';
import type {
  CaSubject,
  Clock,
  UpstreamAuthoritySettings,
  KeyManager,
  KeyType,
  ServerCaOptions,
  SignedKind,
} from './types';

/** Options with every default applied. TTLs in seconds. */
export interface ResolvedCaOptions {
  /** `trust_domain`. */
  trustDomain: string;
  /** `data_dir` (journal location). */
  dataDir: string;
  /** KeyManager plugin. */
  keyManager: KeyManager;
  /** `ca_key_type`. */
  caKeyType: KeyType;
  /** `jwt_key_type`. */
  jwtKeyType: KeyType;
  /** `ca_ttl`, also the JWT key lifetime. */
  caTtlSeconds: number;
  /** `ca_subject` with defaults. */
  caSubject: { country: string[]; organization: string[]; commonName?: string };
  /** `default_x509_svid_ttl`. */
  defaultX509SvidTtlSeconds: number;
  /** `default_jwt_svid_ttl`. */
  defaultJwtSvidTtlSeconds: number;
  /** `agent_ttl`. */
  agentTtlSeconds: number;
  /** `jwt_issuer`, undefined when unset or empty. */
  jwtIssuer?: string;
  /** `UpstreamAuthority "disk"` or `"spire"` plugin data. */
  upstreamAuthority?: UpstreamAuthoritySettings;
  /** Clock (ms). */
  now: Clock;
  /** Logger. */
  logger: PluginLogger;
  /** Signature observer (metrics); a no-op by default. */
  onSigned: (kind: SignedKind) => void;
}

/** Requires a bare trust domain name (`example.org`, never `spiffe://…`); errors name `trust_domain`. */
function requireTrustDomainName(value: string): void {
  try {
    if (TrustDomain.parse(value).name === value) return;
  } catch (err) {
    if (!(err instanceof SpiffeIdError)) throw err;
    throw new InvalidArgumentError(`trust_domain "${value}" is invalid: ${err.message}`, err.code);
  }
  throw new InvalidArgumentError(
    `trust_domain "${value}" is invalid: a bare name is expected`,
    'ERR_TRUST_DOMAIN',
  );
}

/** Resolves and validates options; throws `InvalidArgumentError` naming the config key. */
export function resolveCaOptions(options: ServerCaOptions): ResolvedCaOptions {
  requireTrustDomainName(options.trustDomain);
  if (!options.dataDir) throw new InvalidArgumentError('data_dir must be configured', 'ERR_DATA_DIR');
  if (!options.keyManager)
    throw new InvalidArgumentError('a KeyManager must be configured', 'ERR_KEY_MANAGER');
  const caKeyType = parseKeyType(options.caKeyType ?? 'ec-p256', 'ca_key_type');
  const defaultX509 = resolveTtl(options.defaultX509SvidTtlSeconds, 3600, 'default_x509_svid_ttl');
  return {
    trustDomain: options.trustDomain,
    dataDir: options.dataDir,
    keyManager: options.keyManager,
    caKeyType,
    jwtKeyType: parseKeyType(options.jwtKeyType ?? caKeyType, 'jwt_key_type'),
    caTtlSeconds: resolveTtl(options.caTtlSeconds, 86_400, 'ca_ttl'),
    caSubject: subject(options.caSubject),
    defaultX509SvidTtlSeconds: defaultX509,
    defaultJwtSvidTtlSeconds: resolveTtl(options.defaultJwtSvidTtlSeconds, 300, 'default_jwt_svid_ttl'),
    agentTtlSeconds: resolveTtl(options.agentTtlSeconds, defaultX509, 'agent_ttl'),
    jwtIssuer: options.jwtIssuer || undefined,
    upstreamAuthority: options.upstreamAuthority,
    now: options.now ?? Date.now,
    logger: options.logger ?? silentLogger,
    onSigned: options.onSigned ?? (() => undefined),
  };
}

function subject(configured: CaSubject | undefined): ResolvedCaOptions['caSubject'] {
  const empty =
    !configured ||
    ((configured.country ?? []).length === 0 &&
      (configured.organization ?? []).length === 0 &&
      !configured.commonName);
  if (empty) return { country: ['US'], organization: ['SPIFFE'] };
  for (const c of configured.country ?? []) {
    if (!/^[A-Za-z0-9 '()+,\-./:=?]*$/.test(c))
      throw new InvalidArgumentError(`ca_subject country "${c}" is not printable`);
  }
  return {
    country: configured.country ?? [],
    organization: configured.organization ?? [],
    commonName: configured.commonName || undefined,
  };
}

/** Resolves a requested TTL in seconds: positive → itself, 0/undefined → `fallback`, negative → error. */
export function resolveTtl(value: number | undefined, fallback: number, field: string): number {
  if (value === undefined || value === 0) return fallback;
  if (!Number.isFinite(value) || value < 0)
    throw new InvalidArgumentError(`${field} must not be negative`, 'ERR_TTL');
  return value;
}
