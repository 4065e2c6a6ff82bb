#!/usr/bin/env bash
# Builds MinIO (the S3 peer of the backend tests) from the Go module proxy, caches it by version,
# and prints the binary's absolute path. MinIO has no semver tags; versions.env pins a pseudo-version.
source "$(dirname "$0")/../lib.sh"

# The checksum database answers 404 for this pseudo-version, so verification relies on the committed
# go.sum of the builder module instead (GONOSUMDB only skips the sumdb lookup for minio itself).
export GONOSUMDB="${GONOSUMDB:+$GONOSUMDB,}github.com/minio/minio"

go_build_tool minio "$MINIO_VERSION" "$STOWAGE_ROOT/scripts/peers/go/minio" github.com/minio/minio
