import { JwtSvid, JwtSvidError } from '@lanyard/spiffe/jwt';
import { JwtSource } from '@lanyard/spiffe/workloadapi';

/** Mints a JWT-SVID for an audience, validates it against the current JWT bundles, and refuses another audience. */
export async function jwtExample(): Promise<{ subject: string; refusedWith: string }> {
  await using source = await JwtSource.create({ signal: AbortSignal.timeout(10_000) });
  const mine = await source.fetchJwtSvid({ audience: 'spiffe://example.org/db' });

  const validated = JwtSvid.parseAndValidate(mine.token, {
    bundles: source,
    audience: 'spiffe://example.org/db',
  });
  try {
    JwtSvid.parseAndValidate(mine.token, { bundles: source, audience: 'spiffe://example.org/other' });
    return { subject: validated.id.toString(), refusedWith: 'nothing' };
  } catch (err) {
    if (!(err instanceof JwtSvidError)) throw err;
    return { subject: validated.id.toString(), refusedWith: err.code }; // 'ERR_JWT_SVID_AUDIENCE'
  }
}
