/**
 * The CA journal `<data_dir>/ca-journal.json`: which authority sits in which slot, with which status, and what
 * is published in the bundle. Keys are not in it (they live in the KeyManager). Written atomically, mode 0600.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { FailedPreconditionError, readFileIfExists, writeFileAtomic } from '@lanyard/base';
import type { SlotName } from './authority-slots';

/** Journal file name inside `data_dir`. */
export const JOURNAL_FILE = 'ca-journal.json';

/** A slot as stored: name, status and the kind-specific record (base64 for binary). */
export interface JournalSlot<R> {
  /** Slot name. */
  name: SlotName;
  /** Status. */
  status: 'active' | 'prepared' | 'old';
  /** Kind-specific record. */
  record: R;
}

/** A published bundle entry as stored. */
export interface JournalPublished {
  /** Authority/root ID. */
  id: string;
  /** base64 DER. */
  der: string;
  /** Expiry (ms). */
  notAfter: number;
  /** Tainted flag. */
  tainted: boolean;
}

/** One kind's section (X.509 or JWT). */
export interface JournalSection<R> {
  /** Current slot. */
  current?: JournalSlot<R>;
  /** Next slot. */
  next?: JournalSlot<R>;
  /** Published entries. */
  published: JournalPublished[];
}

/** Stored X.509 record (base64 DER). */
export interface StoredX509Record {
  /** Our CA certificate. */
  certDer: string;
  /** Intermediates above it. */
  chainDer: string[];
  /** Bundle roots. */
  rootsDer: string[];
  /** Upstream SKI hex or ''. */
  upstreamAuthoritySubjectKeyId: string;
}

/** Stored JWT record. */
export interface StoredJwtRecord {
  /** Key ID. */
  keyId: string;
  /** Creation (ms). */
  notBefore: number;
  /** Expiry (ms). */
  notAfter: number;
}

/** The whole journal file. */
export interface CaJournal {
  /** Format version. */
  version: 1;
  /** Trust domain the journal belongs to (a mismatch refuses to load). */
  trustDomain: string;
  /** X.509 CA slots. */
  x509: JournalSection<StoredX509Record>;
  /** JWT key slots. */
  jwt: JournalSection<StoredJwtRecord>;
}

/** Reads the journal, or undefined when there is none yet. A corrupt journal is an error (never overwritten). */
export async function readJournal(dataDir: string, trustDomain: string): Promise<CaJournal | undefined> {
  const file = path.join(dataDir, JOURNAL_FILE);
  const raw = await readFileIfExists(file);
  if (!raw) return undefined;
  let parsed: Partial<CaJournal>;
  try {
    parsed = JSON.parse(raw.toString('utf8')) as Partial<CaJournal>;
  } catch {
    throw new FailedPreconditionError(`ca journal "${file}" is not valid JSON`, 'ERR_CA_JOURNAL');
  }
  if (parsed.version !== 1 || !parsed.x509 || !parsed.jwt) {
    throw new FailedPreconditionError(`ca journal "${file}" has an unknown format`, 'ERR_CA_JOURNAL');
  }
  if (parsed.trustDomain !== trustDomain) {
    throw new FailedPreconditionError(
      `ca journal "${file}" belongs to trust domain "${String(parsed.trustDomain)}", not "${trustDomain}"`,
      'ERR_CA_JOURNAL',
    );
  }
  return parsed as CaJournal;
}

/** Writes the journal atomically. */
export async function writeJournal(dataDir: string, journal: CaJournal): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await writeFileAtomic(path.join(dataDir, JOURNAL_FILE), JSON.stringify(journal, null, 2));
}
