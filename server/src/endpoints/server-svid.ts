import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { spireServerId, type PluginLogger } from '@lanyard/attestor-core';
import type { ServerCaApi } from '../ca/types';
import { encodePem } from '@lanyard/base';

/** The server's own X509-SVID (`spiffe://<td>/spire/server`) as PEM, ready for a TLS context. */
export interface ServerSvid {
  certChainPem: string;
  keyPem: string;
  certChainDer: Buffer[];
  spiffeId: string;
  /** Unix seconds. */
  expiresAt: number;
}

/**
 * Issues the server SVID from the local CA and re-issues it at half-life (and whenever asked, e.g. after a CA
 * authority activation). Listeners get every new SVID.
 */
export class ServerSvidRotator {
  private svid: ServerSvid | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(svid: ServerSvid) => void> = [];
  readonly spiffeId: string;

  constructor(
    private readonly ca: ServerCaApi,
    private readonly logger: PluginLogger,
    private readonly now: () => number = Date.now,
  ) {
    this.spiffeId = spireServerId(ca.trustDomain).toString();
  }

  /** The current SVID (issued on first use). */
  current(): ServerSvid {
    if (this.svid === undefined) this.rotate();
    return this.svid as ServerSvid;
  }

  /** Registers a listener for rotations. */
  onRotate(listener: (svid: ServerSvid) => void): void {
    this.listeners.push(listener);
  }

  /** Issues a fresh SVID now and schedules the next rotation at half of its remaining life. */
  rotate(): ServerSvid {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const issued = this.ca.signX509Svid({ spiffeId: this.spiffeId, publicKey });
    this.svid = {
      certChainPem: issued.certChainDer.map((der) => encodePem('CERTIFICATE', der)).join(''),
      keyPem: (privateKey as KeyObject).export({ type: 'pkcs8', format: 'pem' }) as string,
      certChainDer: issued.certChainDer,
      spiffeId: issued.spiffeId,
      expiresAt: issued.expiresAt,
    };
    this.schedule(issued.expiresAt);
    this.logger.debug('Server SVID rotated', { spiffe_id: this.spiffeId, expires_at: issued.expiresAt });
    for (const listener of this.listeners) listener(this.svid);
    return this.svid;
  }

  /** Stops the rotation timer. */
  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(expiresAt: number): void {
    this.stop();
    const remainingMs = Math.max(1000, (expiresAt * 1000 - this.now()) / 2);
    this.timer = setTimeout(
      () => {
        try {
          this.rotate();
        } catch (err) {
          this.logger.error('Server SVID rotation failed', { error: (err as Error).message });
          this.schedule(Math.floor(this.now() / 1000) + 10);
        }
      },
      Math.min(remainingMs, 2_147_000_000),
    );
    this.timer.unref();
  }
}
