/**
 * The `https_web` bundle endpoint's certificate: read from `cert_file_path` / `key_file_path` and re-read every
 * `file_sync_interval`, so a renewed certificate (e.g. by cert-manager or certbot) is served without a restart.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { PluginLogger } from '@lanyard/attestor-core';
import { InvalidArgumentError } from '@lanyard/base';

/** Where the certificate lives and how often to look at it again. */
export interface ServingCertFileOptions {
  certFilePath: string;
  keyFilePath: string;
  fileSyncIntervalMs: number;
  logger: PluginLogger;
  /** What serves it, for messages; `bundle endpoint` by default. */
  what?: string;
}

/** PEM certificate chain and private key, as `tls.Server#setSecureContext` takes them. */
export interface ServingMaterial {
  cert: Buffer;
  key: Buffer;
}

/** Watches the certificate files by polling; the listener gets the new material when their contents change. */
export class ServingCertFile {
  private last = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ServingCertFileOptions) {}

  /**
   * Reads both files and checks that they make a TLS context.
   * @throws InvalidArgumentError naming the file when it cannot be read or holds no usable certificate/key.
   */
  async load(): Promise<{ material: ServingMaterial; changed: boolean }> {
    const { certFilePath, keyFilePath } = this.options;
    // One after the other, so a missing certificate is always the error reported first.
    const cert = await readConfigured(certFilePath, 'cert_file_path');
    const key = await readConfigured(keyFilePath, 'key_file_path');
    try {
      new X509Certificate(cert);
      createSecureContext({ cert, key });
    } catch (err) {
      throw new InvalidArgumentError(
        `${this.options.what ?? 'bundle endpoint'} serving certificate ${certFilePath} / key ${keyFilePath} is not usable: ${(err as Error).message}`,
      );
    }
    const fingerprint = `${cert.toString('base64')}:${key.toString('base64')}`;
    const changed = fingerprint !== this.last;
    this.last = fingerprint;
    return { material: { cert, key }, changed };
  }

  /** Polls every `fileSyncIntervalMs`; calls `onChange` with new material. Read errors keep the old one. */
  watch(onChange: (material: ServingMaterial) => void): void {
    this.timer = setInterval(() => {
      this.load()
        .then(({ material, changed }) => {
          if (!changed) return;
          onChange(material);
          this.options.logger.info('Serving certificate reloaded', {
            path: this.options.certFilePath,
            served_by: this.options.what ?? 'bundle endpoint',
          });
        })
        .catch((err: unknown) =>
          this.options.logger.warn('Failed to reload the serving certificate; keeping the current one', {
            error: (err as Error).message,
            served_by: this.options.what ?? 'bundle endpoint',
          }),
        );
    }, this.options.fileSyncIntervalMs);
    this.timer.unref();
  }

  /** Stops polling. */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}

async function readConfigured(path: string, key: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new InvalidArgumentError(
      `cannot read ${key} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
}
