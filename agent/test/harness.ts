/**
 * Harness of the node-side tests: a real in-process LanyardServer (SQLite, disk key manager, TLS port, admin
 * socket) on a temp dir, admin helpers over its UDS, agent configs written as real HCL, and a log capture.
 */
import { X509Certificate } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { createLogger, type Logger, type Metrics, type PluginCatalog } from '@lanyard/common';
import type { NodeAttestorServerPlugin } from '@lanyard/attestor-core';
import {
  DiskKeyManager,
  LanyardServer,
  SERVER_NODE_ATTESTORS,
  connectAdmin,
  type NodeAttestorConfig,
  type ServerApiClients,
} from '@lanyard/server';
import { unary } from '@lanyard/base/grpc';
import { Agent } from '../src/agent';
import type { AgentCatalogs } from '../src/catalog/catalog';
import { parseAgentConfig, type AgentConfig } from '../src/config';

export const TD = 'example.org';

/** A server under test. */
export interface TestServer {
  readonly dir: string;
  server: LanyardServer;
  admin: ServerApiClients;
  readonly socketPath: string;
  readonly bundlePath: string;
  port: number;
  /** Stops the server process part (data stays). */
  halt(): Promise<void>;
  /** Starts it again on the same port and data. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Options for {@link startTestServer}. */
export interface TestServerOptions {
  readonly x509SvidTtlSeconds?: number;
  readonly agentTtlSeconds?: number;
  /** `ca_ttl`; the server's default (24 h) when absent. */
  readonly caTtlSeconds?: number;
  /** Extra server node attestors (added to the built-in ones) and their config blocks. */
  readonly extraNodeAttestors?: readonly NodeAttestorServerPlugin[];
  /** The server's node attestor catalog and blocks, replacing the two defaults above. */
  readonly nodeAttestorPlugins?: PluginCatalog<NodeAttestorServerPlugin>;
  readonly nodeAttestors?: NodeAttestorConfig[];
  /** `jwt_cloud_audiences`: JWT-SVIDs for these audiences carry a `jti`. */
  readonly jwtCloudAudiences?: readonly string[];
  /** `lanyard_push_entry_changes`: false = a server without the EntryWatch extension (poll only). */
  readonly pushEntryChanges?: boolean;
  /** Entries per SyncAuthorizedEntries / EntryWatch message (default 500). */
  readonly entrySyncPageSize?: number;
  /** Largest change the server pushes entry by entry (default 5000); above it agents resync. */
  readonly entryPushMaxEntries?: number;
  /** The server's metrics registry (to read its RPC counters); a private one when absent. */
  readonly metrics?: Metrics;
}

async function launch(dir: string, port: number, options: TestServerOptions): Promise<LanyardServer> {
  return LanyardServer.start({
    trustDomain: TD,
    dataDir: dir,
    bindAddress: '127.0.0.1',
    bindPort: port,
    socketPath: path.join(dir, 'admin', 'api.sock'),
    ca: {
      keyManager: await DiskKeyManager.open(path.join(dir, 'keys.json')),
      defaultX509SvidTtlSeconds: options.x509SvidTtlSeconds,
      agentTtlSeconds: options.agentTtlSeconds,
      caTtlSeconds: options.caTtlSeconds,
    },
    datastore: { databaseType: 'sqlite3', connectionString: path.join(dir, 'datastore.sqlite3') },
    cachePollIntervalMs: 200,
    nodeAttestorPlugins:
      options.nodeAttestorPlugins ?? SERVER_NODE_ATTESTORS.extend(options.extraNodeAttestors ?? []),
    nodeAttestors:
      options.nodeAttestors ??
      (options.extraNodeAttestors ?? []).map((p) => ({ name: p.name, pluginData: {} })),
    jwtCloudAudiences: options.jwtCloudAudiences,
    pushEntryChanges: options.pushEntryChanges,
    entrySyncPageSize: options.entrySyncPageSize,
    entryPushMaxEntries: options.entryPushMaxEntries,
    metrics: options.metrics,
  });
}

/** Starts a server in a fresh temp dir and writes its bundle as PEM (`trust_bundle_path`). */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lyn-'));
  const server = await launch(dir, 0, options);
  const socketPath = path.join(dir, 'admin', 'api.sock');
  const ts: TestServer = {
    dir,
    server,
    admin: connectAdmin(socketPath),
    socketPath,
    bundlePath: path.join(dir, 'bundle.pem'),
    port: server.port,
    halt: async () => {
      ts.admin.close();
      await ts.server.stop(1000);
    },
    restart: async () => {
      ts.server = await launch(dir, ts.port, options);
      ts.admin = connectAdmin(socketPath);
    },
    stop: async () => {
      ts.admin.close();
      await ts.server.stop(1000).catch(() => undefined);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  fs.writeFileSync(ts.bundlePath, await bundlePem(ts.admin));
  return ts;
}

/** PEM of the server's X.509 roots. */
export async function bundlePem(admin: ServerApiClients): Promise<string> {
  const bundle = await unary<{ x509_authorities: Array<{ asn1: Buffer }> }>((opts, cb) =>
    admin.bundle.GetBundle({}, opts, cb),
  );
  return bundle.x509_authorities.map((a) => new X509Certificate(a.asn1).toString()).join('');
}

/** Creates a join token (optionally with a fixed value). */
export async function createToken(admin: ServerApiClients, token?: string): Promise<string> {
  const res = await unary<{ value: string }>((opts, cb) =>
    admin.agent.CreateJoinToken({ ttl: 600, token: token ?? '' }, opts, cb),
  );
  return res.value;
}

/** Splits `spiffe://td/path`. */
export function wireId(id: string): { trust_domain: string; path: string } {
  const url = new URL(id);
  return { trust_domain: url.host, path: url.pathname };
}

/** Creates an entry; returns its ID. */
export async function createEntry(
  admin: ServerApiClients,
  entry: {
    parentId: string;
    spiffeId: string;
    selectors: string[];
    x509SvidTtl?: number;
    federatesWith?: string[];
    /** `additional_attributes.jwt_svid_include_jti`. */
    jwtSvidIncludeJti?: boolean;
    /** `-storeSVID`: the SVID goes to an SVIDStore plugin. */
    storeSvid?: boolean;
  },
): Promise<string> {
  const res = await unary<{
    results: Array<{ status: { code: number; message: string } | null; entry: { id: string } | null }>;
  }>((opts, cb) =>
    admin.entry.BatchCreateEntry(
      {
        entries: [
          {
            parent_id: wireId(entry.parentId),
            spiffe_id: wireId(entry.spiffeId),
            selectors: entry.selectors.map((s) => {
              const i = s.indexOf(':');
              return { type: s.slice(0, i), value: s.slice(i + 1) };
            }),
            x509_svid_ttl: entry.x509SvidTtl ?? 0,
            federates_with: entry.federatesWith ?? [],
            additional_attributes: { jwt_svid_include_jti: entry.jwtSvidIncludeJti === true },
            store_svid: entry.storeSvid === true,
          },
        ],
      },
      opts,
      cb,
    ),
  );
  const result = res.results[0];
  if (result.status?.code !== 0 || !result.entry)
    throw new Error(`entry create failed: ${result.status?.message}`);
  return result.entry.id;
}

/** Deletes an entry. */
export async function deleteEntry(admin: ServerApiClients, id: string): Promise<void> {
  await unary((opts, cb) => admin.entry.BatchDeleteEntry({ ids: [id] }, opts, cb));
}

/** A logger whose output is kept in memory. */
export class LogCapture {
  text = '';
  readonly logger: Logger;

  constructor(level = 'debug') {
    const stream = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        this.text += chunk.toString();
        done();
      },
    });
    this.logger = createLogger({ level, stream });
  }
}

/** Options of {@link agentHcl}: `extra` goes inside `agent {}`; `nodeAttestor` replaces the join_token block. */
export interface AgentHclOptions {
  readonly keyManager?: string;
  readonly extra?: string;
  readonly nodeAttestor?: string;
  /** More plugin blocks (e.g. `SVIDStore "…" { … }`). */
  readonly plugins?: string;
  /** `sync_interval` (default 1s). */
  readonly syncInterval?: string;
}

/** Agent config HCL for a test server. */
export function agentHcl(ts: TestServer, dir: string, options: AgentHclOptions = {}): string {
  return `agent {
  data_dir = "${path.join(dir, 'data')}"
  server_address = "127.0.0.1"
  server_port = ${ts.port}
  socket_path = "${path.join(dir, 'public', 'api.sock')}"
  trust_bundle_path = "${ts.bundlePath}"
  trust_domain = "${TD}"
  sync_interval = "${options.syncInterval ?? '1s'}"
${options.extra ?? ''}
}
plugins {
  ${options.nodeAttestor ?? 'NodeAttestor "join_token" { plugin_data {} }'}
  KeyManager "${options.keyManager ?? 'disk'}" { plugin_data {} }
  WorkloadAttestor "unix" { plugin_data {} }
${options.plugins ?? ''}
}
`;
}

/** Parses {@link agentHcl} with a join token flag. */
export function agentConfig(
  ts: TestServer,
  dir: string,
  token: string | undefined,
  options: AgentHclOptions = {},
): AgentConfig {
  return parseAgentConfig(agentHcl(ts, dir, options), { flags: { joinToken: token } }).config;
}

/** A fresh short temp dir for an agent. */
export function agentDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'lya-'));
}

/** Starts an agent in-process. */
export function startAgent(config: AgentConfig, log: LogCapture, catalogs?: AgentCatalogs): Promise<Agent> {
  return Agent.start({ config, logger: log.logger, catalogs });
}

/** Polls until `check` returns a value (bounded). */
export async function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
