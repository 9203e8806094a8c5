/**
 * JWT-SVID attack generators: mutated segments (raw characters and decoded JSON), re-signed tokens with
 * `alg: none`, HS256 keyed with the issuer's public key (alg confusion), a foreign key under the real `kid`,
 * a wrong `kid`, tampered claims under the original signature, and broken compact framing.
 */
import * as crypto from 'node:crypto';
import fc from 'fast-check';
import { mutatedBytes, type Mutation } from './bytes';

/** One forged or mutated token, labelled with how it was made. */
export interface TokenMutation {
  readonly kind: string;
  readonly token: string;
}

const b64 = (data: Buffer | string): string => Buffer.from(data).toString('base64url');
const json = (segment: string): Record<string, unknown> =>
  JSON.parse(Buffer.from(segment, 'base64url').toString('utf8')) as Record<string, unknown>;

/** The three decoded segments of a compact token (for telling a real change from a non-canonical encoding). */
export function decodedSegments(token: string): string {
  return token
    .split('.')
    .map((s) => Buffer.from(s, 'base64url').toString('hex'))
    .join('.');
}

function resigned(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  sign: (input: Buffer) => Buffer,
): string {
  const input = `${b64(JSON.stringify(header))}.${b64(JSON.stringify(claims))}`;
  return `${input}.${b64(sign(Buffer.from(input)))}`;
}

function algConfusion(token: string, issuerKey: crypto.KeyObject): TokenMutation[] {
  const [h, p] = token.split('.');
  const header = json(h);
  const claims = json(p);
  const keyForms: Array<[string, Buffer]> = [
    ['spki-pem', Buffer.from(issuerKey.export({ type: 'spki', format: 'pem' }) as string)],
    ['spki-der', issuerKey.export({ type: 'spki', format: 'der' })],
    ['jwk-json', Buffer.from(JSON.stringify(issuerKey.export({ format: 'jwk' })))],
  ];
  const hmac = keyForms.map(([form, secret]) => ({
    kind: `alg-confusion HS256 keyed with the public key (${form})`,
    token: resigned({ ...header, alg: 'HS256' }, claims, (i) =>
      crypto.createHmac('sha256', secret).update(i).digest(),
    ),
  }));
  return [
    {
      kind: 'alg none, empty signature',
      token: resigned({ ...header, alg: 'none' }, claims, () => Buffer.alloc(0)),
    },
    {
      kind: 'alg None, original signature',
      token: `${b64(JSON.stringify({ ...header, alg: 'None' }))}.${p}.${token.split('.')[2]}`,
    },
    ...hmac,
  ];
}

function forgedSignatures(token: string): TokenMutation[] {
  const [h, p, s] = token.split('.');
  const header = json(h);
  const claims = json(p);
  const foreign = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const es256 = (i: Buffer): Buffer =>
    crypto.sign('sha256', i, { key: foreign.privateKey, dsaEncoding: 'ieee-p1363' });
  const later = Number(claims.exp ?? 0) + 86_400;
  return [
    { kind: 'foreign key under the real kid', token: resigned(header, claims, es256) },
    { kind: 'wrong kid', token: `${b64(JSON.stringify({ ...header, kid: 'not-a-kid' }))}.${p}.${s}` },
    { kind: 'no kid', token: `${b64(JSON.stringify({ ...header, kid: undefined }))}.${p}.${s}` },
    {
      kind: 'tampered sub',
      token: `${h}.${b64(JSON.stringify({ ...claims, sub: `${String(claims.sub)}x` }))}.${s}`,
    },
    { kind: 'extended exp', token: `${h}.${b64(JSON.stringify({ ...claims, exp: later }))}.${s}` },
    { kind: 'signature stripped', token: `${h}.${p}.` },
    { kind: 'two segments', token: `${h}.${p}` },
    { kind: 'four segments', token: `${token}.${s}` },
    { kind: 'empty', token: '' },
  ];
}

/** The fixed forgeries of `token` (issued by `issuerKey`): alg confusion, foreign keys, wrong kids, tampering. */
export function forgedTokens(token: string, issuerKey: crypto.KeyObject): TokenMutation[] {
  return [...algConfusion(token, issuerKey), ...forgedSignatures(token)];
}

/** Seeded mutations of one segment of `token`: as characters, or as the bytes of its decoded JSON. */
export function mutatedToken(token: string): fc.Arbitrary<TokenMutation> {
  const segments = token.split('.');
  const replace = (index: number, value: string): string =>
    segments.map((s, i) => (i === index ? value : s)).join('.');
  const asText = fc.nat({ max: 2 }).chain((index) =>
    mutatedBytes(Buffer.from(segments[index])).map((m: Mutation) => ({
      kind: `segment ${index} text ${m.kind}`,
      token: replace(index, m.bytes.toString('latin1')),
    })),
  );
  const asDecoded = fc.nat({ max: 2 }).chain((index) =>
    mutatedBytes(Buffer.from(segments[index], 'base64url')).map((m: Mutation) => ({
      kind: `segment ${index} decoded ${m.kind}`,
      token: replace(index, b64(m.bytes)),
    })),
  );
  return fc.oneof(asText, asDecoded);
}
