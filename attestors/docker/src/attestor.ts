import {
  assertCgroupUnchanged,
  type PluginLogger,
  parseCgroupEntries,
  procCgroupFile,
  readProcCgroup,
  type Selector,
  type WorkloadAttestor,
  type WorkloadCaller,
} from '@lanyard/attestor-core';
import { containerIdOf } from './container-locator';
import { type DockerWorkloadConfig, podmanSocketFor } from './config';
import { type ContainerInspect, DockerEngineClient } from './engine-client';
import { DOCKER_PLUGIN_NAME, dockerSelector } from './shared';

/** Everything the attestor needs besides its config. */
export interface DockerAttestorDeps {
  readonly logger: PluginLogger;
  readonly procRoot: string;
}

/** Attempts of `ContainerInspect` (SPIRE: one try plus three retries, 100 ms doubling backoff). */
const INSPECT_ATTEMPTS = 4;
const FIRST_BACKOFF_MS = 100;

/**
 * The `docker` workload attestor: pid → container ID from `<procRoot>/<pid>/cgroup` → `ContainerInspect` on the
 * Docker Engine (or Podman) socket → `docker:label:<k>:<v>`, `docker:env:<VAR>=<val>`, `docker:image_id:<name>`
 * and `docker:image_config_digest:<sha256:…>`. A process outside any container yields `[]`.
 */
export class DockerWorkloadAttestor implements WorkloadAttestor {
  readonly name = DOCKER_PLUGIN_NAME;
  private readonly docker: DockerEngineClient;

  constructor(
    private readonly config: DockerWorkloadConfig,
    private readonly deps: DockerAttestorDeps,
  ) {
    this.docker = new DockerEngineClient(config.dockerSocketPath, config.dockerVersion);
  }

  /** Selectors of the caller's container; `[]` when it is not in a container. */
  async attest(caller: WorkloadCaller): Promise<Selector[]> {
    const { procRoot, logger } = this.deps;
    const file = procCgroupFile(procRoot, caller.pid);
    const text = await readProcCgroup(procRoot, caller.pid, DOCKER_PLUGIN_NAME);
    const entries = parseCgroupEntries(text, file, DOCKER_PLUGIN_NAME);
    if (this.config.verboseContainerLocatorLogs) {
      entries.forEach((e, i) =>
        logger.debug('docker: PID cgroup enumerated', { pid: caller.pid, index: i + 1, path: e.path }),
      );
    }
    const containerId = containerIdOf(entries, this.config.findContainerId, file);
    if (containerId === undefined) return [];
    const podman = podmanSocketFor(
      this.config,
      entries.map((e) => e.path),
    );
    const client =
      podman === undefined ? this.docker : new DockerEngineClient(podman, this.config.dockerVersion);
    const container = await inspectWithRetry(client, containerId);
    const selectors = configSelectors(container);
    const image = container.Config?.Image;
    if (image) {
      try {
        const digest = (await client.inspectImage(image)).Id;
        if (digest) selectors.push(dockerSelector('image_config_digest', digest));
      } catch (error) {
        logger.debug('docker: image inspect failed; no image_config_digest selector', {
          image,
          error: (error as Error).message,
        });
      }
    }
    await assertCgroupUnchanged(procRoot, caller.pid, DOCKER_PLUGIN_NAME, text);
    return selectors;
  }
}

/** `label:<k>:<v>` for each label, `env:<VAR>=<val>` for each variable, `image_id:<Config.Image>`. */
export function configSelectors(container: ContainerInspect): Selector[] {
  const config = container.Config ?? {};
  const selectors: Selector[] = [];
  for (const [key, value] of Object.entries(config.Labels ?? {})) {
    selectors.push(dockerSelector('label', key, value));
  }
  for (const variable of config.Env ?? []) selectors.push(dockerSelector('env', variable));
  if (config.Image) selectors.push(dockerSelector('image_id', config.Image));
  return selectors;
}

async function inspectWithRetry(client: DockerEngineClient, id: string): Promise<ContainerInspect> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.inspectContainer(id);
    } catch (error) {
      if (attempt >= INSPECT_ATTEMPTS) throw error;
      await new Promise((resolve) => setTimeout(resolve, FIRST_BACKOFF_MS * 2 ** (attempt - 1)));
    }
  }
}
