import type { RegistrationEntry, Selector } from '../../src/datastore';

let counter = 0;

/** A registration entry as the entry cache indexes it, with a fresh ID (`e1`, `e2`, …) and SPIRE's defaults. */
export function indexedEntry(
  spiffeId: string,
  parentId: string,
  selectors: Selector[] = [{ type: 'unix', value: 'uid:0' }],
  extra: Partial<RegistrationEntry> = {},
): RegistrationEntry {
  counter += 1;
  return {
    id: `e${counter}`,
    spiffeId,
    parentId,
    selectors,
    x509SvidTtl: 0,
    jwtSvidTtl: 0,
    dnsNames: [],
    federatesWith: [],
    admin: false,
    downstream: false,
    expiresAt: 0,
    revisionNumber: 0,
    storeSvid: false,
    hint: '',
    jwtSvidIncludeJti: false,
    disableX509SvidPrefetch: false,
    createdAt: 1,
    ...extra,
  };
}
