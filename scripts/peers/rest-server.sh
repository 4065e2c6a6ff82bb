#!/usr/bin/env bash
# Builds restic's rest-server (the `rest:` backend peer) from the Go module proxy, caches it by version,
# and prints the binary's absolute path. A builder module is used because the proxy here refuses the
# version list that `go install …@v0.14.0` asks for.
source "$(dirname "$0")/../lib.sh"

go_build_tool rest-server "$REST_SERVER_VERSION" "$STOWAGE_ROOT/scripts/peers/go/rest-server" github.com/restic/rest-server/cmd/rest-server
