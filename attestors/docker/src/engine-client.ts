import http from 'node:http';
import { InternalError, NotFoundError, UnavailableError } from '@lanyard/base';
import { DOCKER_PLUGIN_NAME } from './shared';

/** The parts of the Engine API's `ContainerInspect` document the attestor reads. */
export interface ContainerInspect {
  readonly Id?: string;
  /** Image ID (`sha256:…`). */
  readonly Image?: string;
  readonly Config?: {
    /** Image name as the container was created from (`envoyproxy/envoy:v1.31.0`). */
    readonly Image?: string;
    readonly Labels?: Readonly<Record<string, string>> | null;
    readonly Env?: readonly string[] | null;
  };
}

/** The part of the Engine API's `ImageInspect` document the attestor reads. */
export interface ImageInspect {
  /** Image config digest, `sha256:…`. */
  readonly Id?: string;
}

const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;

/** A minimal Docker Engine API client over the daemon's Unix socket (`GET` only, JSON answers). */
export class DockerEngineClient {
  /**
   * @param socketPath - filesystem path of the Engine (or Podman) socket.
   * @param version - API version (`1.41`) to prefix paths with; unversioned paths when undefined.
   */
  constructor(
    readonly socketPath: string,
    private readonly version?: string,
  ) {}

  /** `GET /containers/<id>/json`. @throws NotFoundError for an unknown container; UnavailableError otherwise. */
  inspectContainer(id: string): Promise<ContainerInspect> {
    return this.get(`/containers/${encodeURIComponent(id)}/json`) as Promise<ContainerInspect>;
  }

  /** `GET /images/<name>/json`. @throws NotFoundError for an unknown image; UnavailableError otherwise. */
  inspectImage(name: string): Promise<ImageInspect> {
    return this.get(`/images/${encodeURIComponent(name)}/json`) as Promise<ImageInspect>;
  }

  private get(path: string): Promise<unknown> {
    const fullPath = this.version === undefined ? path : `/v${this.version}${path}`;
    return new Promise((resolve, reject) => {
      const req = http.get(
        {
          socketPath: this.socketPath,
          path: fullPath,
          headers: { host: 'docker' },
          timeout: REQUEST_TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_RESPONSE_BYTES) {
              req.destroy(
                this.failure(`GET ${fullPath}`, `response larger than ${MAX_RESPONSE_BYTES} bytes`),
              );
            } else chunks.push(chunk);
          });
          res.on('end', () => {
            try {
              resolve(this.decode(fullPath, res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8')));
            } catch (error) {
              reject(error);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(this.failure(`GET ${fullPath}`, 'timed out')));
      req.on('error', (error) =>
        reject(error instanceof UnavailableError ? error : this.failure(`GET ${fullPath}`, error.message)),
      );
    });
  }

  private decode(path: string, status: number, body: string): unknown {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body) as unknown;
    } catch {
      parsed = undefined;
    }
    const message = (parsed as { message?: unknown } | undefined)?.message;
    const reason = typeof message === 'string' ? message : body.slice(0, 200);
    if (status === 404) {
      throw new NotFoundError(`${DOCKER_PLUGIN_NAME}: GET ${path}: ${reason}`, 'ERR_DOCKER_NOT_FOUND');
    }
    if (status !== 200) throw this.failure(`GET ${path}`, `status ${status}: ${reason}`);
    if (typeof parsed !== 'object' || parsed === null) {
      throw new InternalError(
        `${DOCKER_PLUGIN_NAME}: GET ${path}: answer is not a JSON object`,
        'ERR_DOCKER_API',
      );
    }
    return parsed;
  }

  private failure(what: string, reason: string): UnavailableError {
    return new UnavailableError(
      `${DOCKER_PLUGIN_NAME}: ${what} on ${this.socketPath} failed: ${reason}`,
      'ERR_DOCKER_API',
    );
  }
}
