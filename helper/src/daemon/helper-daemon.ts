/**
 * The file-keeping daemon (spiffe-helper's job): watches the X.509 context and JWT bundles, refreshes each
 * configured JWT-SVID at half its lifetime, rewrites the files on every change and then signals the program.
 * Ready once every configured file has been written.
 */
import { Backoff, type BackoffOptions } from '@lanyard/base';
import {
  WorkloadApiClient,
  type JwtBundleSet,
  type JwtSvid,
  type Watch,
  type X509Context,
} from '@lanyard/spiffe';
import type { HelperConfig, JwtSvidFileConfig } from './config';
import { chooseX509Svid, writeJwtBundleFile, writeJwtSvidFile, writeX509Files } from './files';
import { ProcessControl } from './process-control';

/** What the daemon tells its host (logging, health). */
export interface DaemonEvents {
  onWritten?(what: string): void;
  onError?(what: string, err: Error): void;
  onWarning?(message: string): void;
  onChildExit?(code: number | null, signal: NodeJS.Signals | null): void;
}

/** Options of {@link HelperDaemon}. */
export interface HelperDaemonOptions {
  readonly events?: DaemonEvents;
  /** Retry delays after a failed fetch or write (default 1 s doubling to 30 s). */
  readonly backoff?: BackoffOptions;
}

/** The shortest wait before refreshing a JWT-SVID. */
const MIN_REFRESH_MS = 1000;

/** When to refresh a JWT-SVID: at half of its remaining lifetime. */
export function jwtRefreshDelayMs(svid: JwtSvid, now = Date.now()): number {
  return Math.max(MIN_REFRESH_MS, Math.floor((svid.expiry.getTime() - now) / 2));
}

/** Keeps the configured files fresh until {@link HelperDaemon.stop}. */
export class HelperDaemon {
  readonly processes: ProcessControl;
  private readonly client: WorkloadApiClient;
  private readonly watches: Watch[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Set<string>();
  private readonly events: DaemonEvents;
  private readonly backoffOptions: BackoffOptions | undefined;
  private resolveReady!: () => void;
  private stopped = false;
  /** Resolves once every configured file has been written once. */
  readonly ready: Promise<void>;

  constructor(
    private readonly config: HelperConfig,
    options: HelperDaemonOptions = {},
  ) {
    this.events = options.events ?? {};
    this.backoffOptions = options.backoff;
    this.client = new WorkloadApiClient({ address: config.agentAddress, backoff: options.backoff });
    this.processes = new ProcessControl(config, {
      onExit: (code, signal) => this.events.onChildExit?.(code, signal),
      onWarning: (message) => this.events.onWarning?.(message),
    });
    this.ready = new Promise((resolve) => {
      this.resolveReady = resolve;
    });
    if (config.x509Files) this.pending.add('x509');
    if (config.jwtBundleFile) this.pending.add('jwt_bundle');
    config.jwtSvids.forEach((entry) => this.pending.add(entry.file));
  }

  /** Whether every configured file has been written at least once. */
  get isReady(): boolean {
    return this.pending.size === 0;
  }

  /** Starts the watches and refresh loops; await {@link ready} for the first complete write. */
  start(): void {
    const files = this.config.x509Files;
    if (files) {
      this.watches.push(
        this.client.watchX509Context({
          onUpdate: (context) => void this.writeX509(files, context),
          onError: (err) => this.events.onError?.('X.509-SVID watch', err),
        }),
      );
    }
    const bundleFile = this.config.jwtBundleFile;
    if (bundleFile) {
      this.watches.push(
        this.client.watchJwtBundles({
          onUpdate: (bundles) => void this.writeJwtBundle(bundleFile, bundles),
          onError: (err) => this.events.onError?.('JWT bundle watch', err),
        }),
      );
    }
    for (const entry of this.config.jwtSvids)
      void this.refreshJwtSvid(entry, new Backoff(this.backoffOptions));
    if (this.isReady) this.resolveReady();
  }

  /** Stops watches and timers, closes the client and stops the started program. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const watch of this.watches) watch.stop();
    this.client.close();
    await this.processes.stop();
  }

  private async writeX509(
    files: NonNullable<HelperConfig['x509Files']>,
    context: X509Context,
  ): Promise<void> {
    try {
      const svid = chooseX509Svid(context, this.config.hint);
      await writeX509Files(this.config, files, svid, context.bundles);
      this.written('x509', `X.509-SVID ${svid.id.toString()}`);
    } catch (err) {
      this.events.onError?.('writing the X.509 files', err as Error);
    }
  }

  private async writeJwtBundle(file: string, bundles: JwtBundleSet): Promise<void> {
    try {
      await writeJwtBundleFile(this.config, file, bundles);
      this.written('jwt_bundle', `JWT bundles (${bundles.size})`);
    } catch (err) {
      this.events.onError?.('writing the JWT bundle file', err as Error);
    }
  }

  private async refreshJwtSvid(entry: JwtSvidFileConfig, backoff: Backoff): Promise<void> {
    if (this.stopped) return;
    let delay: number;
    try {
      const svids = await this.client.fetchJwtSvids({
        audience: entry.audience,
        extraAudiences: entry.extraAudiences,
      });
      const svid = (this.config.hint && svids.find((s) => s.hint === this.config.hint)) || svids[0];
      if (this.stopped) return;
      await writeJwtSvidFile(this.config, entry.file, svid);
      this.written(entry.file, `JWT-SVID for ${entry.audience}`);
      backoff.reset();
      delay = jwtRefreshDelayMs(svid);
    } catch (err) {
      if (this.stopped) return;
      this.events.onError?.(`fetching the JWT-SVID for ${entry.audience}`, err as Error);
      delay = backoff.next();
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.refreshJwtSvid(entry, backoff);
    }, delay);
    this.timers.add(timer);
  }

  private written(key: string, what: string): void {
    if (this.stopped) return;
    this.events.onWritten?.(what);
    const wasReady = this.isReady;
    this.pending.delete(key);
    if (wasReady) {
      this.processes.signalRenewal();
    } else if (this.isReady) {
      this.resolveReady();
    }
  }
}
