import { ARM_API, type ArmClient } from '@lanyard/attestor-azure-msi/server';

const MAX_PAGES = 50;

/** An ARM resource as list answers carry it. */
export type ArmResource = Record<string, unknown>;

/**
 * Pages through an ARM list (`value` + `nextLink`, at most 50 pages) and returns the first resource `match`
 * accepts, or `undefined`.
 */
export async function findInArmList(
  client: ArmClient,
  path: string,
  match: (resource: ArmResource) => boolean,
  apiVersion: string = ARM_API.compute,
): Promise<ArmResource | undefined> {
  let page = await client.get(path, apiVersion);
  for (let i = 0; i < MAX_PAGES; i++) {
    const resources = Array.isArray(page.value) ? (page.value as ArmResource[]) : [];
    const hit = resources.find(match);
    if (hit) return hit;
    if (typeof page.nextLink !== 'string') break;
    const next = new URL(page.nextLink);
    page = await client.get(
      next.pathname,
      next.searchParams.get('api-version') ?? apiVersion,
      Object.fromEntries([...next.searchParams].filter(([k]) => k !== 'api-version')),
    );
  }
  return undefined;
}

/** `properties.vmId` of a VM or scale-set VM. */
export function vmIdOf(resource: ArmResource): unknown {
  return (resource.properties as { vmId?: unknown } | undefined)?.vmId;
}
