#!/usr/bin/env bash
# Regenerates the TypeScript types in src/generated from the .proto files (run after editing a .proto).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf src/generated
mapfile -t files < <(cd protos && find . -name '*.proto' | sed 's|^\./||' | sort)
npx proto-loader-gen-types --keepCase --longs=Number --enums=String --defaults --oneofs --grpcLib=@grpc/grpc-js \
  --includeDirs=protos --outDir=src/generated "${files[@]}"
# The per-file ProtoGrpcType modules are written as <basename>.ts at the top of src/generated; the SPIRE protos
# share base names (debug.proto twice, x509svid.proto vs the Workload X509SVID message), so those modules are
# dropped and src/spire.ts describes the loaded SPIRE packages from the per-service modules instead. Of the
# Envoy and google.rpc files only sds.ts is kept (src/envoy.ts loads the SDS service with the secret types).
for f in "${files[@]}"; do
  case "$f" in
    envoy/service/secret/v3/sds.proto) ;;
    spire/* | envoy/* | google/*) rm -f "src/generated/$(basename "$f" .proto).ts" ;;
  esac
done
