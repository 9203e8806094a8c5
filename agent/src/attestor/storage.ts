/**
 * The agent's state in `data_dir`, so a restart does not attest again while the SVID is valid:
 *
 * | file | content | mode |
 * |---|---|---|
 * | `agent-data.json` | `{ version, trust_domain, spiffe_id, reattestable }` | 0644 |
 * | `agent_svid.der` | agent X509-SVID chain, concatenated DER, leaf first | 0644 |
 * | `agent_svid.key` | agent private key, PKCS#8 DER (only with `KeyManager "disk"`; in its `directory` when set) | 0600 |
 * | `bundle.der` | the trust domain's X.509 roots, concatenated DER | 0644 |
 *
 * Every write is atomic (temp file + fsync + rename).
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PluginLogger } from '@lanyard/attestor-core';
import { writeFileAtomicSync } from '@lanyard/base';
import { splitDerCertificates } from './cert-file';
import { createAgentSvid, loggableAgentId, type AgentSvid } from './agent-svid';

const STATE_VERSION = 1;

/** Mode of the stored files anyone may read (certificates, bundle, state); the key keeps the default 0600. */
const PUBLIC = { mode: 0o644 };

/** File names inside `data_dir`. */
export const DATA_FILES = {
  state: 'agent-data.json',
  svid: 'agent_svid.der',
  key: 'agent_svid.key',
  bundle: 'bundle.der',
} as const;

interface StateFile {
  version: number;
  trust_domain: string;
  spiffe_id: string;
  reattestable: boolean;
}

/** What a previous run left in `data_dir`. */
export interface StoredState {
  /** The agent SVID, when one was stored, is intact and has not expired. */
  readonly svid?: AgentSvid;
  /** The last known trust bundle roots (DER each). */
  readonly bundle?: Buffer[];
}

/** Reads and writes the agent's persisted state. */
export class AgentStorage {
  constructor(
    readonly dataDir: string,
    private readonly trustDomain: string,
    private readonly persistKey: boolean,
    private readonly logger: PluginLogger,
    /** Where `agent_svid.key` lives: `KeyManager "disk"`'s `directory`, else `data_dir`. */
    readonly keyDirectory: string = dataDir,
  ) {}

  private keyFile(): string {
    return path.join(this.keyDirectory, DATA_FILES.key);
  }

  private file(name: string): string {
    return path.join(this.dataDir, name);
  }

  /**
   * Loads the stored SVID and bundle. A missing file means a fresh start; a corrupted one is reported with a
   * WARN and ignored (the agent attests again); an expired SVID is ignored.
   */
  load(now: Date = new Date()): StoredState {
    const bundle = this.loadBundle();
    if (!this.persistKey || !fs.existsSync(this.file(DATA_FILES.state))) return { bundle };
    try {
      const svid = this.loadSvid();
      if (svid.expiresAt.getTime() <= now.getTime()) {
        this.logger.info('Stored agent SVID has expired; attesting again', {
          spiffe_id: loggableAgentId(svid.spiffeId),
          expires_at: svid.expiresAt.toISOString(),
        });
        return { bundle };
      }
      return { svid, bundle };
    } catch (err) {
      this.logger.warn('Stored agent SVID is unusable; attesting again', {
        data_dir: this.dataDir,
        error: (err as Error).message,
      });
      return { bundle };
    }
  }

  private loadSvid(): AgentSvid {
    const state = JSON.parse(fs.readFileSync(this.file(DATA_FILES.state), 'utf8')) as Partial<StateFile>;
    if (state.version !== STATE_VERSION || typeof state.spiffe_id !== 'string') {
      throw new Error(`${DATA_FILES.state} is malformed`);
    }
    if (state.trust_domain !== this.trustDomain) {
      throw new Error(`${DATA_FILES.state} belongs to trust domain "${state.trust_domain}"`);
    }
    const chain = splitDerCertificates(fs.readFileSync(this.file(DATA_FILES.svid)), DATA_FILES.svid);
    let key: crypto.KeyObject;
    try {
      key = crypto.createPrivateKey({
        key: fs.readFileSync(this.keyFile()),
        format: 'der',
        type: 'pkcs8',
      });
    } catch (err) {
      throw new Error(`${DATA_FILES.key} does not hold a PKCS#8 key: ${(err as Error).message}`);
    }
    const svid = createAgentSvid(chain, key, state.reattestable === true);
    if (svid.spiffeId !== state.spiffe_id)
      throw new Error(`${DATA_FILES.svid} does not match ${DATA_FILES.state}`);
    return svid;
  }

  private loadBundle(): Buffer[] | undefined {
    const file = this.file(DATA_FILES.bundle);
    if (!fs.existsSync(file)) return undefined;
    try {
      return splitDerCertificates(fs.readFileSync(file), DATA_FILES.bundle);
    } catch (err) {
      this.logger.warn('Stored trust bundle is unusable; ignoring it', { error: (err as Error).message });
      return undefined;
    }
  }

  /** Stores the agent SVID (and, with a persistent key manager, its key). */
  saveSvid(svid: AgentSvid): void {
    if (!this.persistKey) return;
    fs.mkdirSync(this.dataDir, { recursive: true, mode: 0o755 });
    fs.mkdirSync(this.keyDirectory, { recursive: true, mode: 0o700 });
    writeFileAtomicSync(this.keyFile(), svid.privateKey.export({ type: 'pkcs8', format: 'der' }));
    writeFileAtomicSync(this.file(DATA_FILES.svid), Buffer.concat(svid.certChainDer), PUBLIC);
    const state: StateFile = {
      version: STATE_VERSION,
      trust_domain: this.trustDomain,
      spiffe_id: svid.spiffeId,
      reattestable: svid.reattestable,
    };
    writeFileAtomicSync(this.file(DATA_FILES.state), `${JSON.stringify(state, null, 2)}\n`, PUBLIC);
  }

  /** Stores the trust bundle roots. */
  saveBundle(roots: readonly Buffer[]): void {
    fs.mkdirSync(this.dataDir, { recursive: true, mode: 0o755 });
    writeFileAtomicSync(this.file(DATA_FILES.bundle), Buffer.concat(roots), PUBLIC);
  }

  /** Removes the stored trust bundle (rebootstrapping: the next start uses the bootstrap bundle). */
  clearBundle(): void {
    fs.rmSync(this.file(DATA_FILES.bundle), { force: true });
  }

  /** Removes the stored SVID and key (after the server refused them). */
  clearSvid(): void {
    for (const name of [DATA_FILES.state, DATA_FILES.svid]) fs.rmSync(this.file(name), { force: true });
    fs.rmSync(this.keyFile(), { force: true });
  }
}
