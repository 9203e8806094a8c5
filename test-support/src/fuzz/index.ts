/** Seeded, structure-aware input generators for the fuzz cases in `test/reliability/` (fast-check based). */
export * from './seed';
export * from './bytes';
export * from './protobuf';
export * from './raw-grpc';
export * from './jwt';
export * from './config';
export * from './attestation';
