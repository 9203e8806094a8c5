export * from './tree';
export * from './errors';
export * from './duration';
export * from './expand-env';
export * from './schema';
export { decodeConfig, assertDecoded, unknownIssue, asObject, type DecodeResult } from './decode';
export { parseHcl, type ParseHclOptions } from './hcl';
export { parseJsonConfig } from './json';
export { parseConfigText, readConfigFile, type ParseConfigOptions } from './load';
