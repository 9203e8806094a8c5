/**
 * TTL sanity for entry writes: SPIRE accepts any TTL and silently issues shorter SVIDs when the CA cannot honour
 * it. Lanyard keeps the acceptance but says so, once per entry write: in the OK result's status message (as
 * `OK; warning: …`, which SPIRE clients ignore), on the CLI's stderr, and in one server log line.
 */
import { formatDuration } from '@lanyard/base';
import type { ServerCaApi } from '../../ca/types';
import type { RegistrationEntry } from '../../datastore/types';

/** The TTL settings a notice compares with. */
export interface TtlSettings {
  readonly caTtlSeconds: number;
  readonly defaultX509SvidTtlSeconds: number;
  readonly defaultJwtSvidTtlSeconds: number;
}

const human = (seconds: number): string => formatDuration(Math.max(0, seconds) * 1000);

function notice(
  key: string,
  requested: number,
  limit: { seconds: number; caTtlSeconds: number; upstream: boolean },
): string | undefined {
  if (requested <= limit.seconds) return undefined;
  const cause =
    requested > limit.caTtlSeconds
      ? `ca_ttl (${human(limit.caTtlSeconds)})`
      : limit.upstream
        ? 'the remaining life of the upstream-signed CA'
        : "the CA's remaining life";
  return `${key} ${human(requested)} will be capped by ${cause}: the effective TTL is now ${human(limit.seconds)}`;
}

/**
 * The warnings for an entry whose X.509 or JWT TTL (or the default it falls back to) is longer than the active
 * authority can sign for now; empty when both are honoured.
 */
export function ttlNotices(
  entry: Pick<RegistrationEntry, 'x509SvidTtl' | 'jwtSvidTtl'>,
  ca: Pick<ServerCaApi, 'getX509AuthorityState' | 'getJwtAuthorityState'>,
  settings: TtlSettings,
  nowSeconds: number,
): string[] {
  const x509 = ca.getX509AuthorityState().active;
  const jwt = ca.getJwtAuthorityState().active;
  const out: Array<string | undefined> = [];
  if (x509 !== undefined) {
    out.push(
      notice('x509_svid_ttl', entry.x509SvidTtl || settings.defaultX509SvidTtlSeconds, {
        seconds: x509.expiresAt - nowSeconds,
        caTtlSeconds: settings.caTtlSeconds,
        upstream: x509.upstreamAuthoritySubjectKeyId !== '',
      }),
    );
  }
  if (jwt !== undefined) {
    out.push(
      notice('jwt_svid_ttl', entry.jwtSvidTtl || settings.defaultJwtSvidTtlSeconds, {
        seconds: jwt.expiresAt - nowSeconds,
        caTtlSeconds: settings.caTtlSeconds,
        upstream: false,
      }),
    );
  }
  return out.filter((n): n is string => n !== undefined);
}

/** The status message of an OK result carrying notices (`OK` alone when there are none). */
export function okMessage(notices: readonly string[]): string {
  return notices.length === 0 ? 'OK' : `OK; warning: ${notices.join('; warning: ')}`;
}
