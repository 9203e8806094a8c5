/**
 * What `entry lint` reviews and the server context around it: entries from the server or from a `-data` file,
 * attested agents and federation relationships, converted to the linter's shapes.
 */
import type { Writable } from 'node:stream';
import type { Agent__Output } from '@lanyard/proto';
import { SpiffeId, TrustDomain } from '@lanyard/spiffe';
import type { LintAgent, LintContext, LintEntry } from '../../../lint';
import { listAgents } from '../agent/list';
import { errorText, rpc, type ApiRun } from '../support/api-command';
import { protoToIdString } from '../support/ids';
import { readEntryData } from './entry-data';
import type { EntryView } from './entry-view';
import { listEntries } from './show';

/** Lifetimes the TTL rules compare against (seconds). */
export interface LintLimits {
  readonly caTtlSeconds: number;
  readonly syncIntervalSeconds: number;
}

/** The entries under review and their context. */
export interface LintInput {
  readonly entries: LintEntry[];
  readonly context: LintContext;
}

/** A trust domain name from `td` or `spiffe://td`, as the server sends either. */
function trustDomainName(text: string): string {
  return TrustDomain.parse(text).name;
}

function toLintEntry(e: EntryView, label: string): LintEntry {
  return {
    id: e.id,
    label,
    spiffeId: protoToIdString(e.spiffe_id),
    parentId: protoToIdString(e.parent_id),
    selectors: e.selectors.map((s) => `${s.type}:${s.value}`),
    x509SvidTtl: Number(e.x509_svid_ttl),
    jwtSvidTtl: Number(e.jwt_svid_ttl),
    federatesWith: e.federates_with.map(trustDomainName),
    admin: e.admin,
    downstream: e.downstream,
    expiresAt: Number(e.expires_at),
    dnsNames: e.dns_names,
    hint: e.hint,
  };
}

function toLintAgent(a: Agent__Output): LintAgent {
  return { spiffeId: protoToIdString(a.id), selectors: a.selectors.map((s) => `${s.type}:${s.value}`) };
}

interface ServerView {
  trustDomain: string;
  entries: LintEntry[];
  agents: LintAgent[];
  federatedTrustDomains: Set<string>;
}

async function readServer(api: ApiRun): Promise<ServerView> {
  const bundle = await rpc(api.clients.bundle, api.clients.bundle.GetBundle, {});
  const entries = await listEntries(api, {});
  const agents = await listAgents(api, {});
  const relationships = await rpc(
    api.clients.trustDomain,
    api.clients.trustDomain.ListFederationRelationships,
    {},
  );
  return {
    trustDomain: trustDomainName(bundle.trust_domain),
    entries: entries.map((e) => toLintEntry(e, `entry ${e.id}`)),
    agents: agents.map(toLintAgent),
    federatedTrustDomains: new Set(
      relationships.federation_relationships.map((r) => trustDomainName(r.trust_domain)),
    ),
  };
}

/**
 * Reads the entries to lint: every registered entry, or those of `dataPath` (then the registered ones are
 * context). Without a reachable server, `-data` entries are still linted; rules that need agents or
 * relationships are skipped, and a note on `stderr` says so.
 */
export async function readLintInput(
  api: ApiRun,
  dataPath: string | undefined,
  limits: LintLimits,
  stderr: Writable,
): Promise<LintInput> {
  const now = Math.floor(Date.now() / 1000);
  if (dataPath === undefined) {
    const server = await readServer(api);
    return {
      entries: server.entries,
      context: { ...limits, ...server, existingEntries: [], now },
    };
  }
  const entries = (await readEntryData(dataPath)).map((e, i) => toLintEntry(e, `entries[${i}]`));
  let server: ServerView | undefined;
  try {
    server = await readServer(api);
  } catch (err) {
    stderr.write(`Note: server not reachable (${errorText(err)}); linting ${dataPath} without it\n`);
  }
  const first = entries[0]?.spiffeId;
  const trustDomain = server?.trustDomain ?? (first ? SpiffeId.parse(first).trustDomain.name : '');
  return {
    entries,
    context: {
      ...limits,
      trustDomain,
      existingEntries: server?.entries ?? [],
      agents: server?.agents,
      federatedTrustDomains: server?.federatedTrustDomains,
      now,
    },
  };
}
