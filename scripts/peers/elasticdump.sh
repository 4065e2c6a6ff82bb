#!/usr/bin/env bash
# Installs elasticdump (the npm package Stash's Elasticsearch addon image is built from: its
# stashed/elasticsearch-dump fork is 6.84.1) into the tools cache, outside the project's
# dependencies, and prints the path of its multielasticdump binary. It is the reference the
# Elasticsearch addon's folder layout and the bench compare against (docs/search-engines.md).
source "$(dirname "$0")/../lib.sh"

version="${ELASTICDUMP_VERSION:-6.84.1}"
dir="$TOOLS_DIR/elasticdump-$version"
bin="$dir/node_modules/.bin/multielasticdump"
if [ ! -x "$bin" ]; then
  node_bin="$(bash "$STOWAGE_ROOT/scripts/setup-node.sh")"
  command -v npm >/dev/null || apt_install npm
  log "installing elasticdump $version into $dir"
  mkdir -p "$dir"
  PATH="$node_bin:$PATH" npm install --prefix "$dir" --no-audit --no-fund --silent "elasticdump@$version" >&2
fi
echo "$bin"
