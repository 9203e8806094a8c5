import type {
  NodeAttestationResult,
  NodeAttestorServer,
  NodeAttestorServerPlugin,
  PluginData,
  Selector,
  ServerAttestorDeps,
} from '@lanyard/attestor-core';
import { InternalError, PermissionDeniedError } from '@lanyard/base';
import { ComputeClient, type GceInstance } from './compute';
import { type GcpIitServerConfig, parseServerConfig } from './config';
import { GoogleKeySet } from './google-keys';
import { verifyIdentityToken } from './identity-token';
import { GCP_IIT_PLUGIN_NAME, type GceIdentity, gcpSelector } from './shared';

/**
 * Server half of `gcp_iit`: verifies the instance identity token against Google's published keys, requires the
 * project to be in `projectid_allow_list`, refuses an instance that already has an agent (TOFU) and, with
 * `use_instance_metadata`, adds tag, label and metadata selectors from the Compute Engine API.
 */
export class GcpIitServerAttestor implements NodeAttestorServer {
  readonly name = GCP_IIT_PLUGIN_NAME;
  private readonly keys: GoogleKeySet;
  private readonly compute: ComputeClient;

  constructor(
    private readonly config: GcpIitServerConfig,
    private readonly deps: ServerAttestorDeps,
  ) {
    this.keys = new GoogleKeySet(config.googleCertsUrl, deps.now);
    this.compute = new ComputeClient(config);
  }

  /** Verifies the token and returns `spiffe://<td>/spire/agent/gcp_iit/<project>/<instance id>`. */
  async attest(payload: Buffer): Promise<NodeAttestationResult> {
    const identity = await verifyIdentityToken(payload, this.keys, this.deps.now());
    const ce = identity.computeEngine;
    if (!this.config.projectIdAllowList.has(ce.projectId)) {
      throw new PermissionDeniedError(
        `gcp_iit: identity token project ID "${ce.projectId}" is not in the allow list`,
        'ERR_GCP_IIT_PROJECT',
      );
    }
    const agentId = this.config.pathTemplate.agentId(this.deps.trustDomain, {
      PluginName: GCP_IIT_PLUGIN_NAME,
      ProjectID: ce.projectId,
      ProjectNumber: ce.projectNumber,
      Zone: ce.zone,
      InstanceID: ce.instanceId,
      InstanceName: ce.instanceName,
      InstanceCreationTimestamp: ce.instanceCreationTimestamp,
      ServiceAccount: identity.email.replace(/@/g, '_'),
    });
    if (await this.deps.attestedNodes.isAttested(agentId)) {
      throw new PermissionDeniedError(
        `gcp_iit: attestation data has already been used to attest an agent (${agentId})`,
        'ERR_TOFU',
      );
    }
    const selectors = baseSelectors(identity);
    if (this.config.useInstanceMetadata)
      selectors.push(...this.instanceSelectors(await this.compute.getInstance(ce)));
    return { agentId, selectors, canReattest: false };
  }

  private instanceSelectors(instance: GceInstance): Selector[] {
    const selectors = instance.tags.map((tag) => gcpSelector('tag', tag));
    for (const [key, value] of Object.entries(instance.labels).sort()) {
      if (this.config.allowedLabelKeys.has(key)) selectors.push(gcpSelector('label', key, String(value)));
    }
    for (const item of instance.metadata) {
      if (!this.config.allowedMetadataKeys.has(item.key)) continue;
      const value = item.value ?? '';
      if (value.length > this.config.maxMetadataValueSize) {
        throw new InternalError(
          `gcp_iit: metadata "${item.key}" exceeded value limit (${value.length} > ${this.config.maxMetadataValueSize})`,
          'ERR_GCP_METADATA_SIZE',
        );
      }
      selectors.push(gcpSelector('metadata', item.key, value));
    }
    return selectors;
  }
}

function baseSelectors(identity: GceIdentity): Selector[] {
  const ce = identity.computeEngine;
  return [
    gcpSelector('project-id', ce.projectId),
    gcpSelector('zone', ce.zone),
    gcpSelector('instance-name', ce.instanceName),
    gcpSelector('sa', identity.email),
  ];
}

/** Catalog registration of the server half. */
export const serverPlugin: NodeAttestorServerPlugin = {
  name: GCP_IIT_PLUGIN_NAME,
  async create(pluginData: PluginData, deps: ServerAttestorDeps): Promise<NodeAttestorServer> {
    return new GcpIitServerAttestor(parseServerConfig(pluginData), deps);
  },
};

/* This file is the package's `./server` entry: the server half and the shared names, never the agent half. */
export * from './shared';
