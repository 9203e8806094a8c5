/** The parts of Kubernetes objects the k8s_psat server half reads. */

/** `authentication.k8s.io/v1` TokenReviewStatus. */
export interface TokenReviewStatus {
  readonly authenticated?: boolean;
  readonly user?: {
    readonly username?: string;
    readonly uid?: string;
    readonly groups?: string[];
    readonly extra?: Record<string, string[]>;
  };
  readonly audiences?: string[];
  readonly error?: string;
}

/** `metadata` fields used. */
export interface KubeMeta {
  readonly name?: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly labels?: Record<string, string>;
}

/** `v1.Pod` fields used. */
export interface KubePod {
  readonly metadata?: KubeMeta;
  readonly spec?: { readonly nodeName?: string };
  readonly status?: { readonly hostIP?: string };
}

/** `v1.Node` fields used. */
export interface KubeNode {
  readonly metadata?: KubeMeta;
}
