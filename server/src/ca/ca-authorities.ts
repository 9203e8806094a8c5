/**
 * The CA's mutable state: both authority managers, the journal on disk, event listeners and the operation queue
 * (rotation and LocalAuthority calls never interleave). Signing reads the active authorities synchronously.
 */
import { FailedPreconditionError } from '@lanyard/base';
import { ParsedAuthorities, SpiffeBundle, TrustDomain } from '@lanyard/spiffe';
import { AuthorityManager } from './authority-manager';
import type { PublishedAuthority } from './authority-slots';
import type { ResolvedCaOptions } from './ca-options';
import {
  readJournal,
  writeJournal,
  type CaJournal,
  type JournalPublished,
  type JournalSection,
} from './journal';
import type { JwtAuthority } from './jwt-authority';
import { jwtKind } from './jwt-kind';
import type { StoredJwtRecord, StoredX509Record } from './journal';
import { withUpstreamAuthorities } from './upstream-bundle';
import { DiskUpstreamAuthority } from './upstream-disk';
import { SpireUpstreamAuthority } from './upstream-spire';
import type { X509Authority } from './x509-authority';
import { x509Kind } from './x509-kind';
import type { AuthorityState, AuthorityStates, CaEvent } from './types';

/** Both managers plus persistence and events. Create with {@link CaAuthorities.open}. */
export class CaAuthorities {
  /** X.509 CA manager. */
  readonly x509: AuthorityManager<X509Authority, StoredX509Record>;
  /** JWT key manager. */
  readonly jwt: AuthorityManager<JwtAuthority, StoredJwtRecord>;
  /** True when an UpstreamAuthority is configured. */
  readonly hasUpstream: boolean;
  private readonly listeners = new Set<(event: CaEvent) => void>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Certificates and keys of published authorities, parsed once. */
  private readonly parsed = new ParsedAuthorities();
  /** `UpstreamAuthority "spire"`: the upstream server's client. */
  private readonly upstreamServer?: SpireUpstreamAuthority;
  /** The upstream server's bundle as last read, folded into ours. */
  private upstreamBundle?: SpiffeBundle;
  private upstreamPoll?: NodeJS.Timeout;

  private constructor(private readonly options: ResolvedCaOptions) {
    const upstream = upstreamFor(options);
    this.hasUpstream = upstream !== undefined;
    if (upstream instanceof SpireUpstreamAuthority) this.upstreamServer = upstream;
    const kind = x509Kind({
      trustDomain: options.trustDomain,
      keyType: options.caKeyType,
      caTtlMs: options.caTtlSeconds * 1000,
      subject: options.caSubject,
      upstream,
    });
    this.x509 = new AuthorityManager(kind, options.keyManager, options.logger);
    const publishJwt = this.upstreamServer && ((key: JwtAuthority) => this.publishJwtUpstream(key));
    this.jwt = new AuthorityManager(
      jwtKind(options.jwtKeyType, options.caTtlSeconds * 1000, publishJwt),
      options.keyManager,
      options.logger,
    );
  }

  /** Loads the journal, restores what the KeyManager still has keys for, and makes sure both kinds are active. */
  static async open(options: ResolvedCaOptions): Promise<CaAuthorities> {
    const state = new CaAuthorities(options);
    const journal = await readJournal(options.dataDir, options.trustDomain);
    await state.x509.restore(journal?.x509, decodePublished);
    await state.jwt.restore(journal?.jwt, decodePublished);
    await state.rotate();
    if (!journal) await state.persist();
    return state;
  }

  /** One rotation step for both kinds; persists and emits what changed. */
  rotate(): Promise<void> {
    return this.exclusive(async () => {
      const now = this.options.now();
      const x509 = await this.x509.rotate(now);
      const jwt = await this.jwt.rotate(now);
      if (!x509.bundleChanged && !jwt.bundleChanged && !x509.activated && !jwt.activated) return;
      await this.persist();
      if (x509.prepared) this.emitPrepared('x509');
      if (jwt.prepared) this.emitPrepared('jwt');
      if (x509.activated)
        this.emit({ type: 'x509-authority-activated', authority: this.activeState('x509') });
      if (jwt.activated) this.emit({ type: 'jwt-authority-activated', authority: this.activeState('jwt') });
      if (x509.bundleChanged || jwt.bundleChanged) this.emitBundle();
    });
  }

  /** Runs a LocalAuthority mutation under the queue, then persists and emits. */
  mutate<T>(
    kind: 'x509' | 'jwt',
    effect: 'bundle' | 'activated',
    action: (now: number) => Promise<T> | T,
  ): Promise<T> {
    return this.exclusive(async () => {
      const result = await action(this.options.now());
      await this.persist();
      if (effect === 'activated') {
        this.emit({ type: `${kind}-authority-activated`, authority: this.activeState(kind) } as CaEvent);
      } else {
        this.emitBundle();
      }
      return result;
    });
  }

  /** LocalAuthority show for one kind. */
  states(kind: 'x509' | 'jwt'): AuthorityStates {
    return (kind === 'x509' ? this.x509 : this.jwt).slots.states();
  }

  /** What the CA publishes in its trust domain's bundle (see `ServerCaApi.bundleContents`). */
  bundleContents(): SpiffeBundle {
    const x509 = this.x509.slots.published;
    const jwt = this.jwt.slots.published;
    const own = new SpiffeBundle({
      trustDomain: TrustDomain.parse(this.options.trustDomain),
      x509Authorities: x509.map((p) => this.parsed.certificate(p.der)),
      x509AuthorityMetadata: x509.map((p) => ({ tainted: p.tainted })),
      jwtAuthorities: jwt.map((p) => [p.id, this.parsed.publicKey(p.der)]),
      jwtAuthorityMetadata: jwt.map((p) => [
        p.id,
        { tainted: p.tainted, expiresAt: Math.floor(p.notAfter / 1000) },
      ]),
    });
    return withUpstreamAuthorities(own, this.upstreamBundle);
  }

  /**
   * With `UpstreamAuthority "spire"`, reads the upstream bundle every `intervalMs` (SPIRE polls every 5 s) and
   * emits `bundle-changed` when it changed. Without it, does nothing.
   */
  startUpstreamPolling(intervalMs: number): void {
    if (!this.upstreamServer || this.upstreamPoll) return;
    const poll = (): void => {
      this.refreshUpstreamBundle().catch((err: unknown) =>
        this.options.logger.warn('Failed to fetch bundle while polling', {
          error: err instanceof Error ? err.message : String(err),
        }),
      );
    };
    this.upstreamPoll = setInterval(poll, intervalMs);
    this.upstreamPoll.unref();
    poll();
  }

  /** Stops polling and closes the upstream connection. */
  async stopUpstream(): Promise<void> {
    if (this.upstreamPoll) clearInterval(this.upstreamPoll);
    this.upstreamPoll = undefined;
    await this.upstreamServer?.close();
  }

  /** Reads the upstream bundle once; emits `bundle-changed` when it differs from the last one read. */
  async refreshUpstreamBundle(): Promise<void> {
    if (!this.upstreamServer) return;
    const bundle = await this.upstreamServer.fetchBundle();
    if (this.upstreamBundle?.equals(bundle)) return;
    this.upstreamBundle = bundle;
    this.emitBundle();
  }

  /** Publishes a new JWT key to the upstream server, then reads back the topology's keys. */
  private async publishJwtUpstream(key: JwtAuthority): Promise<void> {
    await this.upstreamServer?.publishJwtAuthority({
      public_key: key.publicKeyDer,
      key_id: key.authorityId,
      expires_at: Math.floor(key.notAfter / 1000),
      tainted: false,
    });
    this.upstreamBundle = await this.upstreamServer?.fetchBundle();
  }

  /** Subscribes to events; returns the unsubscribe function. */
  subscribe(listener: (event: CaEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private activeState(kind: 'x509' | 'jwt'): AuthorityState {
    const active = this.states(kind).active;
    if (!active) throw new FailedPreconditionError(`no active ${kind} authority`);
    return active;
  }

  private emitPrepared(kind: 'x509' | 'jwt'): void {
    const prepared = this.states(kind).prepared;
    if (prepared) this.emit({ type: `${kind}-authority-prepared`, authority: prepared } as CaEvent);
  }

  private emitBundle(): void {
    this.emit({ type: 'bundle-changed', bundle: this.bundleContents() });
  }

  private emit(event: CaEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (err) {
        this.options.logger.error('CA event listener failed', {
          error: err instanceof Error ? err.message : String(err),
        });
      }
    }
  }

  private async persist(): Promise<void> {
    const journal: CaJournal = {
      version: 1,
      trustDomain: this.options.trustDomain,
      x509: this.x509.toSection(encodePublished),
      jwt: this.jwt.toSection(encodePublished),
    };
    await writeJournal(this.options.dataDir, journal);
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function upstreamFor(options: ResolvedCaOptions): DiskUpstreamAuthority | SpireUpstreamAuthority | undefined {
  const config = options.upstreamAuthority;
  if (config?.kind === 'spire') {
    return new SpireUpstreamAuthority(config, options.trustDomain, options.logger);
  }
  return config ? new DiskUpstreamAuthority(config, options.logger) : undefined;
}

function encodePublished(p: PublishedAuthority): JournalPublished {
  return { id: p.id, der: p.der.toString('base64'), notAfter: p.notAfter, tainted: p.tainted };
}

function decodePublished<R>(section: JournalSection<R>): PublishedAuthority[] {
  return (section.published ?? []).map((p) => ({
    id: p.id,
    der: Buffer.from(p.der, 'base64'),
    notAfter: p.notAfter,
    tainted: p.tainted,
  }));
}
