#!/usr/bin/env bash
# Installs or builds every peer the integration and e2e tiers run against (cached by version).
source "$(dirname "$0")/lib.sh"
for peer in restic postgres pushgateway rest-server minio azurite elasticdump fake-gcs-server kubernetes helm search-engines; do
  log "peer $peer: $("$STOWAGE_ROOT/scripts/peers/$peer.sh")"
done
