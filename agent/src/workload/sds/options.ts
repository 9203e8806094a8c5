/** The agent's `sds {}` settings, with SPIRE's names and defaults. */
export interface SdsOptions {
  /** `default_svid_name`: resource name that stands for the caller's first X.509-SVID; default `default`. */
  readonly defaultSvidName: string;
  /** `default_bundle_name`: resource name of the own trust domain's validation context; default `ROOTCA`. */
  readonly defaultBundleName: string;
  /** `default_all_bundles_name`: resource name of the validation context with every bundle; default `ALL`. */
  readonly defaultAllBundlesName: string;
  /**
   * `disable_spiffe_cert_validation`: answer validation contexts as plain `trusted_ca` instead of Envoy's SPIFFE
   * certificate validator; an Envoy may override it per node with the metadata key of the same name.
   */
  readonly disableSpiffeCertValidation: boolean;
}

/** SPIRE's defaults for the `sds {}` block. */
export const DEFAULT_SDS_OPTIONS: SdsOptions = {
  defaultSvidName: 'default',
  defaultBundleName: 'ROOTCA',
  defaultAllBundlesName: 'ALL',
  disableSpiffeCertValidation: false,
};
