/**
 * Turns SPIRE's CA journal and disk KeyManager file into Lanyard's: the active X.509 CA and JWT key (and the
 * prepared or most recent old one, in the other slot) keep their certificates, key IDs and private keys, so
 * agents and workloads keep trusting what the server signs. SPIRE and Lanyard name KeyManager keys the same
 * way (`x509-CA-A`, `JWT-Signer-B`), so key IDs carry over.
 */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FailedPreconditionError, InvalidArgumentError } from '@lanyard/base';
import type { SpiffeBundle } from '@lanyard/spiffe';
import type {
  CaJournal,
  JournalPublished,
  JournalSlot,
  StoredJwtRecord,
  StoredX509Record,
} from '../ca/journal';
import { loadX509Authority } from '../ca/x509-authority';
import { loadJwtAuthority } from '../ca/jwt-authority';
import { rootEntry } from '../ca/x509-kind';
import type { SpireAuthorityStatus, SpireJournal, SpireJwtKeyEntry, SpireX509CaEntry } from './spire-protos';

/** Private keys of SPIRE's disk KeyManager (`keys.json`: `{"keys": {"<id>": "<base64 PKCS#8 DER>"}}`). */
export async function readSpireKeys(file: string): Promise<Map<string, KeyObject>> {
  let parsed: { keys?: Record<string, unknown> };
  try {
    parsed = JSON.parse(await readFile(file, 'utf8')) as { keys?: Record<string, unknown> };
  } catch (err) {
    throw new InvalidArgumentError(`-keys: cannot read SPIRE keys file "${file}": ${(err as Error).message}`);
  }
  if (typeof parsed.keys !== 'object' || parsed.keys === null)
    throw new InvalidArgumentError(
      `-keys: "${file}" has no "keys" object (not a SPIRE disk KeyManager file)`,
    );
  const keys = new Map<string, KeyObject>();
  for (const [id, value] of Object.entries(parsed.keys)) {
    try {
      keys.set(
        id,
        createPrivateKey({ key: Buffer.from(String(value), 'base64'), format: 'der', type: 'pkcs8' }),
      );
    } catch (err) {
      throw new InvalidArgumentError(
        `-keys: key "${id}" is not a PKCS#8 private key: ${(err as Error).message}`,
      );
    }
  }
  return keys;
}

/** What the CA import brings over, for the report. */
export interface CaImportSummary {
  x509: Array<{ slot: string; status: SpireAuthorityStatus; authorityId: string; expiresAt: number }>;
  jwt: Array<{ slot: string; status: SpireAuthorityStatus; authorityId: string; expiresAt: number }>;
}

/** The Lanyard journal plus the keys to store under their KeyManager IDs. */
export interface CaImport {
  journal: CaJournal;
  keys: Map<string, KeyObject>;
  summary: CaImportSummary;
}

/** The active entry, then the prepared one (else the newest old one) in the other slot. */
function pickSlots<E extends { slotId: string; status: SpireAuthorityStatus; issuedAt: number }>(
  entries: E[],
  kind: string,
): { current: E; next?: E } {
  const newest = [...entries].sort((a, b) => b.issuedAt - a.issuedAt);
  const current = newest.find((e) => e.status === 'active');
  if (!current) throw new FailedPreconditionError(`the SPIRE CA journal has no active ${kind}`);
  const others = newest.filter((e) => e.slotId !== current.slotId);
  const next = others.find((e) => e.status === 'prepared') ?? others.find((e) => e.status === 'old');
  return { current, next };
}

function keyFor(keys: Map<string, KeyObject>, id: string): KeyObject {
  const key = keys.get(id);
  if (!key) throw new FailedPreconditionError(`-keys: the SPIRE keys file has no key "${id}"`);
  return key;
}

function slotName(slotId: string): 'A' | 'B' {
  if (slotId === 'A' || slotId === 'B') return slotId;
  throw new FailedPreconditionError(`the SPIRE CA journal names slot "${slotId}" (expected A or B)`);
}

/** Roots of `bundle` that issued the top of `chain` (self-signed CAs are their own root). */
function rootsFor(chain: Buffer[], bundle: SpiffeBundle): Buffer[] {
  const top = new X509Certificate(chain[chain.length - 1]);
  if (top.checkIssued(top)) return [top.raw];
  const roots = bundle.x509Authorities.filter((root) => top.checkIssued(root)).map((root) => root.raw);
  if (roots.length === 0)
    throw new FailedPreconditionError(`no root in the SPIRE bundle issued the CA chain of ${top.subject}`);
  return roots;
}

function x509Slot(
  entry: SpireX509CaEntry,
  status: JournalSlot<StoredX509Record>['status'],
  key: KeyObject,
  bundle: SpiffeBundle,
) {
  // SPIRE's upstream_chain starts with the CA certificate itself when an upstream authority signed it.
  const chain = entry.upstreamChain.length > 0 ? entry.upstreamChain.slice(1) : [];
  const record = {
    certDer: entry.certificate,
    chainDer: chain,
    rootsDer: rootsFor([entry.certificate, ...chain], bundle),
    upstreamAuthoritySubjectKeyId: entry.upstreamAuthorityId,
  };
  loadX509Authority(record, key);
  const stored: StoredX509Record = {
    certDer: record.certDer.toString('base64'),
    chainDer: record.chainDer.map((c) => c.toString('base64')),
    rootsDer: record.rootsDer.map((c) => c.toString('base64')),
    upstreamAuthoritySubjectKeyId: record.upstreamAuthoritySubjectKeyId,
  };
  return { name: slotName(entry.slotId), status, record: stored };
}

function jwtSlot(entry: SpireJwtKeyEntry, status: JournalSlot<StoredJwtRecord>['status'], key: KeyObject) {
  const record = { keyId: entry.kid, notBefore: entry.issuedAt * 1000, notAfter: entry.notAfter * 1000 };
  if (!loadJwtAuthority(record, key).publicKeyDer.equals(entry.publicKey))
    throw new FailedPreconditionError(
      `-keys: key "JWT-Signer-${entry.slotId}" does not match JWT key "${entry.kid}"`,
    );
  return { name: slotName(entry.slotId), status, record };
}

/** The authorities the stored bundle publishes, with their taint and expiry, as the journal lists them. */
function published(bundle: SpiffeBundle): { x509: JournalPublished[]; jwt: JournalPublished[] } {
  return {
    x509: bundle.x509Authorities.map((cert, i) => {
      const entry = rootEntry(cert.raw);
      const tainted = bundle.x509AuthorityMetadata[i]?.tainted ?? false;
      return { id: entry.id, der: cert.raw.toString('base64'), notAfter: entry.notAfter, tainted };
    }),
    jwt: [...bundle.jwtAuthorities].map(([kid, key]) => {
      const meta = bundle.jwtAuthorityMetadata.get(kid);
      return {
        id: kid,
        der: key.export({ type: 'spki', format: 'der' }).toString('base64'),
        notAfter: meta?.expiresAt === undefined ? Number.MAX_SAFE_INTEGER : meta.expiresAt * 1000,
        tainted: meta?.tainted ?? false,
      };
    }),
  };
}

/** Builds Lanyard's CA journal and key set from SPIRE's; throws naming what does not fit. */
export function planCaImport(
  journal: SpireJournal,
  keys: Map<string, KeyObject>,
  bundle: SpiffeBundle,
  trustDomain: string,
): CaImport {
  const x509 = pickSlots(journal.x509CAs, 'X.509 CA');
  const jwt = pickSlots(journal.jwtKeys, 'JWT key');
  const lanyardKeys = new Map<string, KeyObject>();
  /** The SPIRE key of `prefix` + the entry's slot, also kept for the Lanyard KeyManager under the same ID. */
  const take = (prefix: 'x509-CA-' | 'JWT-Signer-', entry: { slotId: string }): KeyObject => {
    const id = prefix + entry.slotId;
    const key = keyFor(keys, id);
    lanyardKeys.set(id, key);
    return key;
  };
  const pub = published(bundle);
  const status = (e: { status: SpireAuthorityStatus }) =>
    (e.status === 'prepared' ? 'prepared' : 'old') as 'prepared' | 'old';
  const lanyardJournal: CaJournal = {
    version: 1,
    trustDomain,
    x509: {
      current: x509Slot(x509.current, 'active', take('x509-CA-', x509.current), bundle),
      next: x509.next && x509Slot(x509.next, status(x509.next), take('x509-CA-', x509.next), bundle),
      published: pub.x509,
    },
    jwt: {
      current: jwtSlot(jwt.current, 'active', take('JWT-Signer-', jwt.current)),
      next: jwt.next && jwtSlot(jwt.next, status(jwt.next), take('JWT-Signer-', jwt.next)),
      published: pub.jwt,
    },
  };
  const describe = (e: {
    slotId: string;
    status: SpireAuthorityStatus;
    authorityId: string;
    notAfter: number;
  }) => ({
    slot: e.slotId,
    status: e.status,
    authorityId: e.authorityId,
    expiresAt: e.notAfter,
  });
  return {
    journal: lanyardJournal,
    keys: lanyardKeys,
    summary: {
      x509: [x509.current, ...(x509.next ? [x509.next] : [])].map(describe),
      jwt: [jwt.current, ...(jwt.next ? [jwt.next] : [])].map(describe),
    },
  };
}
