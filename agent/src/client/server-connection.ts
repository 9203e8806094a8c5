/**
 * The agent's gRPC connection to the server's TLS endpoint. The server is always authenticated as
 * `spiffe://<td>/spire/server` against the current trust bundle (except with `insecure_bootstrap` before the
 * first bundle is known); once the agent holds an SVID it presents it (mTLS). Changing the roots or the SVID
 * opens a new channel for later calls; calls in flight finish on the old one.
 */
import * as grpc from '@grpc/grpc-js';
import { grpcChannelMessageOptions } from '@lanyard/common';
import { encodePemBlocks } from '@lanyard/base';
import {
  loadEntryWatchApi,
  loadSpireServerApis,
  type AgentClient,
  type EntryWatchClient,
  type BundleClient,
  type EntryClient,
  type SVIDClient,
} from '@lanyard/proto';
import type { AgentSvid } from '../attestor/agent-svid';
import { serverTarget } from './server-target';
import { spireServerId } from '@lanyard/attestor-core';

/** Typed clients of the server APIs the agent calls, sharing one channel. */
export interface ServerClients {
  readonly agent: AgentClient;
  readonly entry: EntryClient;
  readonly svid: SVIDClient;
  readonly bundle: BundleClient;
  /** `lanyard.agent.v1.EntryWatch` (a Lanyard extension; SPIRE servers answer UNIMPLEMENTED). */
  readonly entryWatch: EntryWatchClient;
}

/** TLS server name sent by the agent (the server certificate carries only a SPIFFE ID). */
const TARGET_NAME = 'spire-server';
/** How long a replaced channel stays open for the calls still running on it. */
const CLOSE_GRACE_MS = 30_000;

/** Checks the server presented exactly the server SPIFFE ID of the trust domain. */
export function serverIdentityCheck(trustDomain: string) {
  const expected = spireServerId(trustDomain).toString();
  return (_host: string, cert: { subjectaltname?: string }): Error | undefined => {
    const uris = (cert.subjectaltname ?? '')
      .split(', ')
      .filter((san) => san.startsWith('URI:'))
      .map((san) => san.slice(4));
    if (uris.length === 1 && uris[0] === expected) return undefined;
    return new Error(`unexpected server identity ${JSON.stringify(uris)}: expected "${expected}"`);
  };
}

/** Builds channel credentials: server verified against `roots` (or not at all when absent), optional client SVID. */
export function serverCredentials(
  trustDomain: string,
  roots: readonly Buffer[] | undefined,
  svid: AgentSvid | undefined,
): grpc.ChannelCredentials {
  const rootPem = roots ? Buffer.from(encodePemBlocks('CERTIFICATE', roots)) : null;
  const keyPem = svid
    ? Buffer.from(svid.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)
    : null;
  const certPem = svid ? Buffer.from(encodePemBlocks('CERTIFICATE', svid.certChainDer)) : null;
  if (roots === undefined) {
    return grpc.credentials.createSsl(null, keyPem, certPem, {
      rejectUnauthorized: false,
      checkServerIdentity: () => undefined,
    });
  }
  return grpc.credentials.createSsl(rootPem, keyPem, certPem, {
    checkServerIdentity: serverIdentityCheck(trustDomain),
  });
}

/** One channel to the server plus its typed clients; rebuilt when trust material changes. */
export class ServerConnection {
  private channel: grpc.Channel | undefined;
  private current: ServerClients | undefined;
  private roots: readonly Buffer[] | undefined;
  private svid: AgentSvid | undefined;

  constructor(
    readonly address: string,
    readonly port: number,
    readonly trustDomain: string,
  ) {}

  /** The grpc-js target: `host:port`, or a multi-address `ipv4:`/`ipv6:` target for an address list. */
  get target(): string {
    return serverTarget(this.address, this.port);
  }

  /** Sets the roots that authenticate the server (undefined = insecure bootstrap). */
  setRoots(roots: readonly Buffer[] | undefined): void {
    if (sameBuffers(roots, this.roots)) return;
    this.roots = roots ? roots.map((r) => Buffer.from(r)) : undefined;
    this.reset();
  }

  /** Sets the SVID presented to the server (undefined = none, for attestation). */
  setSvid(svid: AgentSvid | undefined): void {
    if (svid === this.svid) return;
    this.svid = svid;
    this.reset();
  }

  /** The clients on the current channel (created on first use). */
  clients(): ServerClients {
    if (this.current) return this.current;
    const creds = serverCredentials(this.trustDomain, this.roots, this.svid);
    const options: grpc.ChannelOptions = {
      'grpc.ssl_target_name_override': TARGET_NAME,
      'grpc.default_authority': TARGET_NAME,
      ...grpcChannelMessageOptions(),
    };
    const channel = new grpc.Channel(this.target, creds, options);
    const apis = loadSpireServerApis().spire.api.server;
    const opts = { channelOverride: channel };
    this.channel = channel;
    this.current = {
      agent: new apis.agent.v1.Agent(this.target, creds, opts),
      entry: new apis.entry.v1.Entry(this.target, creds, opts),
      svid: new apis.svid.v1.SVID(this.target, creds, opts),
      bundle: new apis.bundle.v1.Bundle(this.target, creds, opts),
      entryWatch: new (loadEntryWatchApi().lanyard.agent.v1.EntryWatch)(this.target, creds, opts),
    };
    return this.current;
  }

  /**
   * Closes the channel unless it is connected (READY), so that the next call dials afresh instead of failing at
   * once on a channel in grpc-js's reconnect backoff (1 s growing to 120 s). A connected channel is kept: it may
   * carry the EntryWatch stream, which would otherwise hold the old connection open next to the new one.
   */
  closeUnlessConnected(): void {
    if (this.channel?.getConnectivityState(false) === grpc.connectivityState.READY) return;
    this.close();
  }

  /** Closes the channel at once. */
  close(): void {
    this.channel?.close();
    this.channel = undefined;
    this.current = undefined;
  }

  private reset(): void {
    const old = this.channel;
    // Calls already running on the old channel (a sync, a renewal) get time to finish.
    if (old) setTimeout(() => old.close(), CLOSE_GRACE_MS).unref();
    this.channel = undefined;
    this.current = undefined;
  }
}

function sameBuffers(a: readonly Buffer[] | undefined, b: readonly Buffer[] | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((buf, i) => buf.equals(b[i]));
}
