#!/usr/bin/env bash
# Builds restic (the storage engine) from the Go module proxy, caches it by version, and prints the
# binary's absolute path. Without Go, or when the build fails, falls back to Debian's restic, which is
# only accepted when it is >= 0.17 (the engine needs `backup --stdin-from-command`).
source "$(dirname "$0")/../lib.sh"

out="$TOOLS_DIR/restic-$RESTIC_VERSION/restic"
if [ -x "$out" ]; then echo "$out"; exit 0; fi

if command -v go >/dev/null 2>&1; then
  # Called in a `||` list, so errexit is off inside: success is judged by the binary existing.
  go_build_tool restic "$RESTIC_VERSION" "$STOWAGE_ROOT/scripts/peers/go/restic" github.com/restic/restic/cmd/restic >/dev/null || true
  if [ -x "$out" ]; then echo "$out"; exit 0; fi
  log "building restic from Go modules failed; trying the Debian package"
fi

apt_install restic
bin="$(command -v restic)" || die "restic is not installed and could not be built"
version="$("$bin" version | awk '{print $2}')"
major="${version%%.*}"; rest="${version#*.}"; minor="${rest%%.*}"
if [ "$major" -eq 0 ] && [ "$minor" -lt 17 ]; then
  die "Debian's restic is $version; Stowage needs restic >= 0.17 (backup --stdin-from-command). Install Go >= 1.25 and rerun to build restic $RESTIC_VERSION."
fi
echo "$bin"
