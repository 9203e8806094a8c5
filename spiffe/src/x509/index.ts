/** X509-SVIDs (SPIFFE.md §2): parsing, validation, peer verification and chain helpers. */
export { X509SvidError, type X509SvidErrorCode } from '../errors/x509-svid-error';
export { X509Svid } from './x509-svid';
export type { X509SvidSource } from './source';
export {
  verifyX509Svid,
  verifyCertificateChain,
  type VerifyX509SvidOptions,
  type VerifiedX509Svid,
  type VerifyCertificateChainOptions,
} from './verify';
export {
  type DerOrPem,
  parseCertificates,
  parsePrivateKey,
  certificatesToPem,
  certificatesToDer,
} from './parse';
export { certificateInfo, KeyUsage, type CertificateInfo } from './cert-info';
