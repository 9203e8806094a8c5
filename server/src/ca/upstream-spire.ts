/**
 * `UpstreamAuthority "spire"` (nested SPIRE): our X.509 CA is signed by an upstream server of the same trust
 * domain through its `SVID.NewDownstreamX509CA`, called over mTLS with the X.509-SVID the local agent's Workload
 * API gives us (the agent is attested to the upstream server and an entry with `-downstream` matches this
 * process). Our JWT keys are published upstream (`Bundle.PublishJWTAuthority`) and the upstream bundle is read
 * back (`Bundle.GetBundle`), so SVIDs minted anywhere in the topology verify everywhere.
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { createCsr, FailedPreconditionError, InvalidArgumentError, UnavailableError } from '@lanyard/base';
import { unary } from '@lanyard/base/grpc';
import type { PluginLogger } from '@lanyard/attestor-core';
import { bundleFromWire, grpcChannelMessageOptions, type WireBundle, type WireJwtKey } from '@lanyard/common';
import { loadSpireServerApis, type BundleClient, type SVIDClient } from '@lanyard/proto';
import {
  authorizeId,
  spiffeGrpcChannelCredentials,
  X509Source,
  type SpiffeBundle,
  TrustDomain,
} from '@lanyard/spiffe';
import { parseCertificate } from './der/parse-certificate';
import { subjectKeyId } from './der/signer';
import type { SpireUpstreamAuthorityConfig } from './types';

/** Deadline of each call to the upstream server. */
const CALL_TIMEOUT_MS = 30_000;

/** What the upstream server signed: our CA first, then the intermediates above it; and the upstream roots. */
export interface DownstreamCa {
  /** `ca_cert_chain`: our CA certificate, then upstream intermediates (bundle roots excluded). */
  chainDer: Buffer[];
  /** `x509_authorities`: the upstream trust bundle's roots. */
  rootsDer: Buffer[];
}

/** Client of an upstream SPIRE (or Lanyard) server, authenticated by the local agent's X.509-SVID. */
export class SpireUpstreamAuthority {
  private source?: Promise<X509Source>;
  private clients?: { svid: SVIDClient; bundle: BundleClient };
  private readonly target: string;
  private readonly serverId: string;

  constructor(
    private readonly config: SpireUpstreamAuthorityConfig,
    trustDomain: string,
    private readonly logger: PluginLogger,
  ) {
    if (!config.serverAddress) throw configError('server_address is required');
    if (!config.serverPort) throw configError('server_port is required');
    if (!config.workloadApiSocket) throw configError('workload_api_socket is required');
    this.target = `${hostForTarget(config.serverAddress)}:${config.serverPort}`;
    this.serverId = `${TrustDomain.parse(trustDomain).idString()}/spire/server`;
  }

  /** Asks the upstream server to sign a CA certificate for `key` (`preferred_ttl` = `ttlSeconds`). */
  async mintX509Ca(key: KeyObject, ttlSeconds: number): Promise<DownstreamCa> {
    const { svid } = await this.connect();
    const csr = createCsr(key, createPublicKey(key));
    let response: { ca_cert_chain: Buffer[]; x509_authorities: Buffer[] };
    try {
      response = await unary(
        (opts, cb) => svid.NewDownstreamX509CA({ csr, preferred_ttl: ttlSeconds }, opts, cb),
        CALL_TIMEOUT_MS,
      );
    } catch (err) {
      throw upstreamCallError('unable to request a new Downstream X509CA', err);
    }
    const chainDer = response.ca_cert_chain.map((c) => Buffer.from(c));
    const rootsDer = response.x509_authorities.map((c) => Buffer.from(c));
    if (chainDer.length === 0 || rootsDer.length === 0) {
      throw new FailedPreconditionError(
        'upstream authority: the upstream server returned no CA certificate or no roots',
        'ERR_UPSTREAM_AUTHORITY',
      );
    }
    return { chainDer, rootsDer };
  }

  /** The upstream server's bundle of our trust domain (`Bundle.GetBundle`). */
  async fetchBundle(): Promise<SpiffeBundle> {
    const { bundle } = await this.connect();
    try {
      const wire = await unary<WireBundle>((opts, cb) => bundle.GetBundle({}, opts, cb), CALL_TIMEOUT_MS);
      return bundleFromWire(wire);
    } catch (err) {
      throw upstreamCallError('failed to fetch bundle from upstream server', err);
    }
  }

  /** Publishes one of our JWT keys upstream; returns the upstream's JWT authorities after the append. */
  async publishJwtAuthority(key: WireJwtKey): Promise<WireJwtKey[]> {
    const { bundle } = await this.connect();
    try {
      const response = await unary<{ jwt_authorities: WireJwtKey[] }>(
        (opts, cb) => bundle.PublishJWTAuthority({ jwt_authority: key }, opts, cb),
        CALL_TIMEOUT_MS,
      );
      return response.jwt_authorities;
    } catch (err) {
      throw upstreamCallError('failed to publish JWT authority to the upstream server', err);
    }
  }

  /** Closes the channels and the Workload API stream. */
  async close(): Promise<void> {
    this.clients?.svid.close();
    this.clients?.bundle.close();
    this.clients = undefined;
    const source = this.source;
    this.source = undefined;
    await source?.then((s) => s.close()).catch(() => undefined);
  }

  /** Opens (once) the Workload API source, waiting for our SVID like SPIRE does, then the mTLS channels. */
  private async connect(): Promise<{ svid: SVIDClient; bundle: BundleClient }> {
    if (!this.source) {
      this.logger.info('Waiting for an X509-SVID from the Workload API to reach the upstream server', {
        workload_api_socket: this.config.workloadApiSocket,
        server_address: this.target,
      });
      this.source = X509Source.create({
        clientOptions: { address: `unix:${this.config.workloadApiSocket}` },
        onError: (err) => this.logger.warn('Workload API error', { error: err.message }),
      });
      this.source.catch(() => (this.source = undefined));
    }
    const source = await this.source;
    if (!this.clients) {
      const api = loadSpireServerApis().spire.api.server;
      const credentials = spiffeGrpcChannelCredentials(source, authorizeId(this.serverId));
      const options = grpcChannelMessageOptions();
      this.clients = {
        svid: new api.svid.v1.SVID(this.target, credentials, options),
        bundle: new api.bundle.v1.Bundle(this.target, credentials, options),
      };
    }
    return this.clients;
  }
}

/** The SKI (hex) of the certificate among `candidates` that issued `certDer`, '' when none did. */
export function issuerSubjectKeyId(certDer: Buffer, candidates: readonly Buffer[]): string {
  const cert = new X509Certificate(certDer);
  for (const der of candidates) {
    const issuer = new X509Certificate(der);
    if (cert.checkIssued(issuer) && cert.verify(issuer.publicKey)) {
      const parsed = parseCertificate(der, 'upstream certificate');
      return (parsed.subjectKeyId ?? subjectKeyId(parsed.spkiDer)).toString('hex');
    }
  }
  return '';
}

/** IPv6 literals need brackets in a gRPC target. */
function hostForTarget(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

function configError(message: string): InvalidArgumentError {
  return new InvalidArgumentError(message, 'ERR_UPSTREAM_CONFIG');
}

function upstreamCallError(what: string, err: unknown): UnavailableError {
  const detail = (err as grpc.ServiceError).details ?? (err as Error).message;
  return new UnavailableError(`upstream authority: ${what}: ${detail}`, 'ERR_UPSTREAM_AUTHORITY');
}
