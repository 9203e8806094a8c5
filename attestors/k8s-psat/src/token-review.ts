import { PermissionDeniedError } from '@lanyard/base';
import type { TokenReviewStatus } from '@lanyard/attestor-core';

const EXTRA = 'authentication.kubernetes.io/';

/** Who an authenticated projected token belongs to, from the TokenReview status. */
export interface ReviewedIdentity {
  readonly namespace: string;
  readonly serviceAccount: string;
  readonly podName: string;
  readonly podUid: string;
  /** Set when the token is node-bound (Kubernetes ≥ 1.30). */
  readonly nodeName?: string;
  readonly nodeUid?: string;
}

function denied(cluster: string, problem: string): never {
  throw new PermissionDeniedError(
    `k8s_psat: token review for cluster "${cluster}" ${problem}`,
    'ERR_K8S_PSAT_TOKEN_REVIEW',
  );
}

function extraValue(
  status: TokenReviewStatus,
  key: string,
  cluster: string,
  required: boolean,
): string | undefined {
  const values = status.user?.extra?.[`${EXTRA}${key}`];
  if (values === undefined && !required) return undefined;
  if (!Array.isArray(values) || values.length !== 1 || typeof values[0] !== 'string' || values[0] === '') {
    denied(cluster, `has no single ${key} (the token is not a projected pod token)`);
  }
  return values[0];
}

/**
 * Checks a TokenReview status the way SPIRE does, with precise reasons: authenticated, audience-aware (one of the
 * requested audiences came back), a `system:serviceaccount:<ns>:<sa>` user, and pod name/UID extras.
 * @throws PermissionDeniedError naming the cluster and what failed.
 */
export function identityFromReview(
  status: TokenReviewStatus,
  audiences: string[],
  cluster: string,
): ReviewedIdentity {
  if (status.authenticated !== true) {
    denied(cluster, `did not authenticate the token: ${status.error || 'no reason given'}`);
  }
  if (audiences.length > 0 && !audiences.some((a) => status.audiences?.includes(a))) {
    denied(
      cluster,
      `did not validate audience: wanted one of ${JSON.stringify(audiences)} but got ${JSON.stringify(status.audiences ?? [])}`,
    );
  }
  const username = status.user?.username ?? '';
  const names = username.split(':');
  if (
    names.length !== 4 ||
    names[0] !== 'system' ||
    names[1] !== 'serviceaccount' ||
    !names[2] ||
    !names[3]
  ) {
    denied(cluster, `returned unexpected username "${username}"`);
  }
  return {
    namespace: names[2],
    serviceAccount: names[3],
    podName: extraValue(status, 'pod-name', cluster, true) as string,
    podUid: extraValue(status, 'pod-uid', cluster, true) as string,
    nodeName: extraValue(status, 'node-name', cluster, false),
    nodeUid: extraValue(status, 'node-uid', cluster, false),
  };
}
