import { createHash } from 'node:crypto';
import { HttpFake, json, type FakeResponse, type RecordedRequest } from '../cloud/http-fake';

/** A container as a test describes it. */
export interface FakeContainerSpec {
  /** 64 hex digits. */
  readonly id: string;
  /** Image name it was created from (`Config.Image`), e.g. `envoyproxy/envoy:v1.31.0`. */
  readonly image: string;
  readonly labels?: Record<string, string>;
  /** `NAME=value` strings (`Config.Env`). */
  readonly env?: string[];
  readonly name?: string;
}

/** The content-addressed image ID the fake gives an image name: `sha256:<hex>`. */
export function fakeImageId(image: string): string {
  return `sha256:${createHash('sha256').update(`image:${image}`).digest('hex')}`;
}

const VERSIONED = /^\/v(\d+\.\d+)(\/.*)$/;

/**
 * Loopback fake of the Docker Engine API (the part SPIRE's docker attestor uses), served on a Unix socket with
 * {@link startOnSocket}: `GET [/v<version>]/containers/<id>/json` answers a `ContainerInspect` document and
 * `GET [/v<version>]/images/<name>/json` an `ImageInspect` document, with the Engine's `{"message": …}` 404s.
 */
export class FakeDockerEngine extends HttpFake {
  /** Containers by ID. */
  readonly containers = new Map<string, FakeContainerSpec>();
  /** Images that exist (names); every added container's image is added. */
  readonly images = new Set<string>();
  /** API versions seen in request paths (`undefined` for unversioned requests), oldest first. */
  readonly versionsSeen: (string | undefined)[] = [];

  constructor() {
    super((req) => this.route(req));
  }

  /** Adds (or replaces) a container and its image. */
  addContainer(spec: FakeContainerSpec): void {
    this.containers.set(spec.id, spec);
    this.images.add(spec.image);
  }

  private route(req: RecordedRequest): FakeResponse {
    const versioned = VERSIONED.exec(req.path);
    this.versionsSeen.push(versioned?.[1]);
    const path = versioned ? versioned[2] : req.path;
    if (req.method !== 'GET') return json(405, { message: `method ${req.method} not allowed` });
    const container = /^\/containers\/([^/]+)\/json$/.exec(path);
    if (container) return this.inspectContainer(decodeURIComponent(container[1]));
    const image = /^\/images\/(.+)\/json$/.exec(path);
    if (image) return this.inspectImage(decodeURIComponent(image[1]));
    return json(404, { message: 'page not found' });
  }

  private inspectContainer(id: string): FakeResponse {
    const spec = this.containers.get(id);
    if (!spec) return json(404, { message: `No such container: ${id}` });
    return json(200, {
      Id: spec.id,
      Created: '2026-01-01T00:00:00.000000000Z',
      Path: '/entrypoint',
      Args: [],
      State: { Status: 'running', Running: true, Pid: 4242 },
      Image: fakeImageId(spec.image),
      Name: `/${spec.name ?? 'container'}`,
      Config: {
        Hostname: spec.id.slice(0, 12),
        Env: spec.env ?? null,
        Image: spec.image,
        Labels: spec.labels ?? {},
      },
    });
  }

  private inspectImage(name: string): FakeResponse {
    if (!this.images.has(name)) return json(404, { message: `No such image: ${name}` });
    return json(200, { Id: fakeImageId(name), RepoTags: [name], RepoDigests: [], Os: 'linux' });
  }
}
