/**
 * The SPIFFE bundle endpoint (SPIFFE Federation §4): an HTTPS server answering `GET` with our trust domain's
 * SPIFFE bundle document. No client authentication. Authenticated by the server's own X509-SVID
 * (`https_spiffe`, re-keyed on every SVID rotation) or by a certificate from disk (`https_web`).
 */
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PluginLogger } from '@lanyard/attestor-core';
import { SpiffeBundle } from '@lanyard/spiffe';
import type { BundleEndpointConfig } from '../config/types';
import type { ServerSvid } from '../endpoints/server-svid';
import { closeNow, listenOn } from '../util/http-server';
import { ServingCertFile, type ServingMaterial } from './serving-cert';

/** The server SVID as the `https_spiffe` profile needs it. */
export interface ServingSvidSource {
  current(): ServerSvid;
  onRotate(listener: (svid: ServerSvid) => void): void;
}

/** What {@link BundleEndpointServer} needs. */
export interface BundleEndpointServerOptions {
  config: BundleEndpointConfig;
  /** Our trust domain's current bundle (authorities and sequence number). */
  currentBundle: () => Promise<SpiffeBundle>;
  /** Required for the `https_spiffe` profile. */
  svid?: ServingSvidSource;
  logger: PluginLogger;
}

function svidMaterial(svid: ServerSvid): ServingMaterial {
  return { cert: Buffer.from(svid.certChainPem), key: Buffer.from(svid.keyPem) };
}

/** Serves the bundle endpoint until {@link BundleEndpointServer.stop}. */
export class BundleEndpointServer {
  private server: Server | undefined;
  private certFile: ServingCertFile | undefined;

  constructor(private readonly options: BundleEndpointServerOptions) {}

  /** The TCP port listened on (useful when configured as 0). */
  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Loads the serving certificate and starts listening. @throws when the certificate or address is unusable. */
  async start(): Promise<void> {
    const server = createServer(await this.initialMaterial((next) => server.setSecureContext(next)));
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void this.handle(req, res));
    server.on('tlsClientError', () => undefined);
    const { address, port } = this.options.config;
    try {
      await listenOn(server, port, address);
    } catch (err) {
      this.certFile?.stop();
      throw new Error(`bundle endpoint: cannot listen on ${address}:${port}: ${(err as Error).message}`);
    }
    this.server = server;
    this.options.logger.info('Serving bundle endpoint', {
      address: `${address}:${this.port}`,
      profile: this.options.config.profile.kind,
    });
  }

  /** The first certificate and key; `update` installs later ones (file change, SVID rotation). */
  private async initialMaterial(update: (next: ServingMaterial) => void): Promise<ServingMaterial> {
    const { profile } = this.options.config;
    if (profile.kind === 'https_web') {
      this.certFile = new ServingCertFile({ ...profile, logger: this.options.logger });
      const { material } = await this.certFile.load();
      this.certFile.watch(update);
      return material;
    }
    const svid = this.options.svid;
    if (svid === undefined)
      throw new Error('bundle endpoint: the https_spiffe profile needs the server SVID');
    svid.onRotate((next) => {
      if (this.server !== undefined) update(svidMaterial(next));
    });
    return svidMaterial(svid.current());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET', 'Content-Type': 'text/plain' }).end('method not allowed\n');
      return;
    }
    try {
      const current = await this.options.currentBundle();
      const served = new SpiffeBundle({
        trustDomain: current.trustDomain,
        x509Authorities: current.x509Authorities,
        jwtAuthorities: current.jwtAuthorities,
        sequenceNumber: current.sequenceNumber ?? 0,
        refreshHint: this.options.config.refreshHintSeconds,
      });
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(served.marshal());
    } catch (err) {
      this.options.logger.error('Failed to serve the bundle', { error: (err as Error).message });
      res.writeHead(500, { 'Content-Type': 'text/plain' }).end('bundle unavailable\n');
    }
  }

  /** Stops listening and closes open connections. */
  async stop(): Promise<void> {
    this.certFile?.stop();
    const server = this.server;
    this.server = undefined;
    if (server !== undefined) await closeNow(server);
  }
}
