#!/usr/bin/env bash
# Regenerates the TypeScript types in src/generated from the .proto files (run after editing a .proto).
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf src/generated
mapfile -t files < <(cd protos && find . -name '*.proto' | sed 's|^\./||' | sort)
npx proto-loader-gen-types --keepCase --longs=Number --enums=String --defaults --oneofs --grpcLib=@grpc/grpc-js \
  --includeDirs=protos --outDir=src/generated "${files[@]}"
