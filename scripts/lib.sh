# Shared shell helpers for the project's scripts. Sourced, never executed.
# Everything that is downloaded or built lives in $STOWAGE_CACHE (outside the clone),
# keyed by version, so a second run on the same machine costs nothing.
set -euo pipefail

STOWAGE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STOWAGE_CACHE="${STOWAGE_CACHE:-$HOME/.cache/stowage}"
TOOLS_DIR="$STOWAGE_CACHE/tools"
export STOWAGE_ROOT STOWAGE_CACHE TOOLS_DIR

# Pinned versions of every peer: scripts/versions.env is the one place to change them.
source "$STOWAGE_ROOT/scripts/versions.env"

log() { printf '[%s] %s\n' "$(basename "$0")" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# as_root runs a command as root, with sudo when we are not root.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi
}

APT_UPDATED=""
# apt_install installs Debian packages that are not yet installed.
apt_install() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  log "apt-get install ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# go_build_tool <name> <version> <builder-module-dir> <package> [extra-ldflags]
# Builds a Go program from a small builder module committed under scripts/peers/go/,
# into $TOOLS_DIR/<name>-<version>/<name>. Builder modules avoid `go install pkg@v`,
# which needs the module's version list (refused by some proxies) and ignores replaces.
# extra-ldflags are appended to "-s -w" (e.g. -X version stamps); the caller's GOFLAGS are kept
# (e.g. GOFLAGS=-p=2 to bound parallelism).
go_build_tool() {
  local name=$1 version=$2 module=$3 pkg=$4 ldflags="-s -w${5:+ $5}"
  local out="$TOOLS_DIR/$name-$version/$name"
  [ -x "$out" ] && { echo "$out"; return 0; }
  log "building $name $version from Go modules (cached afterwards in $TOOLS_DIR)"
  local start=$SECONDS
  (cd "$module" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=mod${GOFLAGS:+ $GOFLAGS}" go build -trimpath -ldflags "$ldflags" -o "$out.tmp" "$pkg")
  mv "$out.tmp" "$out"
  log "built $name in $((SECONDS - start))s"
  echo "$out"
}
