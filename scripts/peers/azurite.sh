#!/usr/bin/env bash
# Installs Azurite (the Azure Blob emulator of the backend tests) from the npm registry into the
# tools cache, outside the project's dependencies, and prints the path of its azurite-blob binary.
source "$(dirname "$0")/../lib.sh"

version="${AZURITE_VERSION:-3.37.0}"
dir="$TOOLS_DIR/azurite-$version"
bin="$dir/node_modules/.bin/azurite-blob"
if [ ! -x "$bin" ]; then
  # Azurite >= 3.36 needs Node >= 22: put the project's Node first.
  node_bin="$(bash "$STOWAGE_ROOT/scripts/setup-node.sh")"
  command -v npm >/dev/null || apt_install npm
  log "installing azurite $version into $dir"
  mkdir -p "$dir"
  PATH="$node_bin:$PATH" npm install --prefix "$dir" --no-audit --no-fund --silent "azurite@$version" >&2
fi
echo "$bin"
