/**
 * Shared helpers of the fault-injection suites: temp dirs, admin calls over the server's Unix socket
 * (BatchCreateEntry, paged ListEntries), and the check that an X.509-SVID chains to a trust bundle.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { unary } from '@lanyard/base/grpc';
import { connectAdmin, type ServerApiClients } from '@lanyard/server';

/** Trust domain of every suite. */
export const TD = 'example.org';

/** Upper bound of every wait in these suites: generous, the machine is shared. */
export const WAIT_MS = 90_000;

/** A world-traversable temp dir (agents' sockets are reached by other uids in some suites). */
export function makeDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755);
  return dir;
}

/** Admin API clients on a server's Unix socket. */
export function admin(socketPath: string): ServerApiClients {
  return connectAdmin(socketPath);
}

/** `spiffe://td/path` as the wire `SPIFFEID`. */
export function wireId(id: string): { trust_domain: string; path: string } {
  const url = new URL(id);
  return { trust_domain: url.host, path: url.pathname };
}

/** A wire `spire.api.types.Entry` for BatchCreateEntry. */
export function wireEntry(spiffeId: string, parentId: string, selector: string, x509SvidTtl = 3600): object {
  const [type, ...value] = selector.split(':');
  return {
    spiffe_id: wireId(spiffeId),
    parent_id: wireId(parentId),
    selectors: [{ type, value: value.join(':') }],
    x509_svid_ttl: x509SvidTtl,
    jwt_svid_ttl: 300,
    dns_names: [],
    federates_with: [],
    admin: false,
    downstream: false,
    expires_at: 0,
    store_svid: false,
    hint: '',
  };
}

/** One item of a BatchCreateEntry response. */
export interface CreateResult {
  readonly code: number;
  readonly message: string;
  readonly entryId?: string;
}

interface WireResults {
  results: Array<{ status: { code: number; message: string }; entry?: { id: string } | null }>;
}

/** BatchCreateEntry; resolves with one result per entry (the call itself may reject). */
export async function batchCreate(
  clients: ServerApiClients,
  entries: object[],
  timeoutMs = 60_000,
): Promise<CreateResult[]> {
  const res = await unary<WireResults>(
    (options, cb) =>
      clients.entry.BatchCreateEntry({ entries, output_mask: null } as never, options, cb as never),
    timeoutMs,
  );
  return res.results.map((r) => ({ code: r.status.code, message: r.status.message, entryId: r.entry?.id }));
}

interface WireList {
  entries: Array<{ id: string; spiffe_id: { trust_domain: string; path: string } }>;
  next_page_token: string;
}

/** Every entry of the server: SPIFFE ID → entry IDs, through paged ListEntries. */
export async function listAllEntries(clients: ServerApiClients): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  let pageToken = '';
  do {
    const page = await unary<WireList>(
      (options, cb) =>
        clients.entry.ListEntries(
          { filter: null, output_mask: null, page_size: 1000, page_token: pageToken } as never,
          options,
          cb as never,
        ),
      60_000,
    );
    for (const e of page.entries) {
      const id = `spiffe://${e.spiffe_id.trust_domain}${e.spiffe_id.path}`;
      out.set(id, [...(out.get(id) ?? []), e.id]);
    }
    pageToken = page.next_page_token;
  } while (pageToken !== '');
  return out;
}

/** The X.509 authorities of a server's bundle through the admin API. */
export async function bundleAuthorities(clients: ServerApiClients): Promise<X509Certificate[]> {
  const bundle = await unary<{ x509_authorities: Array<{ asn1: Buffer }> }>(
    (options, cb) => clients.bundle.GetBundle({} as never, options, cb as never),
    30_000,
  );
  return bundle.x509_authorities.map((a) => new X509Certificate(a.asn1));
}

/**
 * Why `chain` (leaf first) does not chain to one of `roots` at `now`, or undefined when it does: every
 * certificate is issued and signed by the next, the last by a bundle root, and all are within their validity.
 */
export function chainProblem(
  chain: readonly X509Certificate[],
  roots: readonly X509Certificate[],
  now = new Date(),
): string | undefined {
  if (chain.length === 0) return 'empty chain';
  for (const cert of chain) {
    if (new Date(cert.validFrom) > now || new Date(cert.validTo) < now)
      return `${cert.subject || cert.serialNumber} is outside its validity (${cert.validFrom} – ${cert.validTo})`;
  }
  for (let i = 0; i + 1 < chain.length; i += 1) {
    if (!chain[i].checkIssued(chain[i + 1]) || !chain[i].verify(chain[i + 1].publicKey))
      return `certificate ${i} is not signed by certificate ${i + 1}`;
  }
  const top = chain[chain.length - 1];
  const anchored = roots.some(
    (root) =>
      root.fingerprint256 === top.fingerprint256 || (top.checkIssued(root) && top.verify(root.publicKey)),
  );
  return anchored ? undefined : `serial ${top.serialNumber} is signed by a key that is not in the bundle`;
}
