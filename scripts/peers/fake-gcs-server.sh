#!/usr/bin/env bash
# Builds fake-gcs-server (the GCS emulator of the backend tests) from the Go module proxy, caches
# it by version, and prints the binary's absolute path.
source "$(dirname "$0")/../lib.sh"

# Not yet in versions.env (owned by the lead); the builder module pins the same version.
FAKE_GCS_SERVER_VERSION="${FAKE_GCS_SERVER_VERSION:-1.55.1}"
go_build_tool fake-gcs-server "$FAKE_GCS_SERVER_VERSION" "$STOWAGE_ROOT/scripts/peers/go/fake-gcs-server" github.com/fsouza/fake-gcs-server
