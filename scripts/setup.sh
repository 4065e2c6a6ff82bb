#!/usr/bin/env bash
# Everything a clone needs to run `stowage` and its unit tests: Node.js 24, the npm dependencies,
# restic, and PostgreSQL's client and server programs. Idempotent; cached outside the clone.
source "$(dirname "$0")/lib.sh"

node_bin="$("$STOWAGE_ROOT/scripts/setup-node.sh")"
export PATH="$node_bin:$PATH"
cd "$STOWAGE_ROOT"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
"$STOWAGE_ROOT/scripts/peers/restic.sh" >/dev/null
"$STOWAGE_ROOT/scripts/peers/postgres.sh" >/dev/null
log "ready: node $(node -v), restic $("$("$STOWAGE_ROOT/scripts/peers/restic.sh")" version | awk '{print $2}')"
