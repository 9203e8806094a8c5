import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

/** Folder holding the .proto files (the same path from `src/` under ts-jest and from `dist/` after build). */
export const PROTO_DIR = path.join(__dirname, '..', 'protos');

/**
 * Loader options used everywhere: protobuf field names kept as written (`spiffe_id`, not `spiffeId`),
 * 64-bit integers as JS numbers, enums as their names, defaults filled in, oneofs reported.
 * The generated types in `src/generated` were produced with the same options.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

const cache = new Map<string, grpc.GrpcObject>();

/**
 * Loads one or more .proto files (paths relative to {@link PROTO_DIR}) into a grpc-js package object.
 * Results are cached per file list, so repeated calls are free.
 */
export function loadProtoPackage<T = grpc.GrpcObject>(files: string[]): T {
  const key = files.join('\n');
  let loaded = cache.get(key);
  if (!loaded) {
    const definition = protoLoader.loadSync(files, LOADER_OPTIONS);
    loaded = grpc.loadPackageDefinition(definition);
    cache.set(key, loaded);
  }
  return loaded as unknown as T;
}
