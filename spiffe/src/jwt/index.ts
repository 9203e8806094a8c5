/** JWT-SVIDs (SPIFFE.md §3): validation, insecure parsing and minting on `node:crypto`. */
export { JwtSvidError, type JwtSvidErrorCode } from '../errors/jwt-svid-error';
export { JwtSvid, type JwtSvidParseOptions, type JwtSvidValidateOptions } from './jwt-svid';
export { signJwtSvid, type JwtSvidSigner, type JwtSvidClaimsInput } from './sign';
export type { JwtSvidSource, JwtSvidParams } from './source';
export { type JwtSvidAlgorithm, isJwtSvidAlgorithm } from './algorithms';
export { JWT_SVID_LEEWAY_SECONDS, type JwtSvidHeader } from './claims';
