import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { InternalError, PermissionDeniedError, UnavailableError } from '@lanyard/base';
import type { K8sWorkloadConfig } from './config';
import type { KubeletPod } from './pod';

const MAX_BODY = 32 * 1024 * 1024;
const TIMEOUT_MS = 10_000;

interface Credentials {
  readonly agent: http.Agent;
  /** Digest of the TLS material the agent was built from; a new agent is made only when it changes. */
  readonly tlsMaterial: string;
  readonly authorization?: string;
  readonly loadedAt: number;
}

/**
 * Reads the kubelet's `/pods` list over the secure port (bearer token, client certificate or anonymous; kubelet CA
 * verified unless `skip_kubelet_verification`) or the read-only port. Credentials are re-read from disk every
 * `reload_interval`, so rotated tokens and certificates are picked up.
 */
export class KubeletClient {
  private credentials?: Credentials;
  /** Base URL, e.g. `https://127.0.0.1:10250`. */
  readonly baseUrl: string;

  constructor(
    private readonly config: K8sWorkloadConfig,
    private readonly now: () => number = Date.now,
  ) {
    const host = isIP(config.host) === 6 ? `[${config.host}]` : config.host;
    this.baseUrl = `${config.scheme}://${host}:${config.port}`;
  }

  /**
   * @throws UnavailableError when the kubelet cannot be reached or fails; PermissionDeniedError when it refuses
   * our credentials; InternalError when the answer is not a pod list.
   */
  async listPods(): Promise<KubeletPod[]> {
    const creds = await this.loadCredentials();
    const res = await this.get(creds);
    if (res.status === 401 || res.status === 403) {
      throw new PermissionDeniedError(
        `k8s: kubelet at ${this.baseUrl} refused the pod list request (HTTP ${res.status}): ${res.body.slice(0, 200).trim()}`,
        'ERR_KUBELET_FORBIDDEN',
      );
    }
    if (res.status !== 200) {
      throw new UnavailableError(
        `k8s: kubelet at ${this.baseUrl} answered HTTP ${res.status}`,
        'ERR_KUBELET_UNAVAILABLE',
      );
    }
    let list: { items?: unknown };
    try {
      list = JSON.parse(res.body) as { items?: unknown };
    } catch {
      throw new InternalError(`k8s: unable to decode pod info from kubelet response`, 'ERR_KUBELET_RESPONSE');
    }
    if (!Array.isArray(list.items)) {
      throw new InternalError(`k8s: kubelet response is not a pod list (no items)`, 'ERR_KUBELET_RESPONSE');
    }
    return list.items as KubeletPod[];
  }

  /** Closes pooled connections. */
  close(): void {
    this.credentials?.agent.destroy();
  }

  private async loadCredentials(): Promise<Credentials> {
    const current = this.credentials;
    if (current && this.now() - current.loadedAt < this.config.reloadIntervalMs) return current;
    const next = await this.readCredentials(current);
    if (current && current.agent !== next.agent) current.agent.destroy();
    this.credentials = next;
    return next;
  }

  private async readFileFor(key: string, path: string): Promise<string> {
    try {
      return await readFile(path, 'utf8');
    } catch (error) {
      throw new UnavailableError(
        `k8s: unable to read ${key} "${path}": ${(error as Error).message}`,
        'ERR_KUBELET_CREDENTIALS',
      );
    }
  }

  private async readCredentials(current: Credentials | undefined): Promise<Credentials> {
    const { config } = this;
    const loadedAt = this.now();
    if (config.scheme === 'http') {
      return { agent: current?.agent ?? new http.Agent({ keepAlive: true }), tlsMaterial: '', loadedAt };
    }
    const auth = config.auth;
    const ca = config.kubeletCaPath
      ? await this.readFileFor('kubelet_ca_path', config.kubeletCaPath)
      : undefined;
    const cert =
      auth.kind === 'certificate'
        ? await this.readFileFor('certificate_path', auth.certificatePath)
        : undefined;
    const key =
      auth.kind === 'certificate'
        ? await this.readFileFor('private_key_path', auth.privateKeyPath)
        : undefined;
    const token =
      auth.kind === 'token' ? (await this.readFileFor('token_path', auth.tokenPath)).trim() : undefined;
    const authorization = token ? `Bearer ${token}` : undefined;
    const tlsMaterial = createHash('sha256').update([ca, cert, key].join('\0')).digest('hex');
    if (current && current.tlsMaterial === tlsMaterial) {
      return { agent: current.agent, tlsMaterial, authorization, loadedAt };
    }
    const name = config.nodeName ?? (isIP(config.host) ? hostname() : config.host);
    const agent = new https.Agent({
      keepAlive: true,
      ca,
      cert,
      key,
      rejectUnauthorized: !config.skipKubeletVerification,
      servername: isIP(name) ? undefined : name,
    });
    return { agent, tlsMaterial, authorization, loadedAt };
  }

  private get(creds: Credentials): Promise<{ status: number; body: string }> {
    const transport = this.config.scheme === 'https' ? https : http;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (creds.authorization) headers.authorization = creds.authorization;
    return new Promise((resolve, reject) => {
      const req = transport.request(
        `${this.baseUrl}/pods`,
        { method: 'GET', headers, agent: creds.agent, timeout: TIMEOUT_MS },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY) req.destroy(new Error(`pod list larger than ${MAX_BODY} bytes`));
            else chunks.push(chunk);
          });
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
          res.on('error', (error) => req.destroy(error));
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS}ms`)));
      req.on('error', (error) =>
        reject(
          new UnavailableError(
            `k8s: kubelet at ${this.baseUrl} unreachable: ${error.message}`,
            'ERR_KUBELET_UNAVAILABLE',
          ),
        ),
      );
      req.end();
    });
  }
}
