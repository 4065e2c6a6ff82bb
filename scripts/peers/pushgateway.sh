#!/usr/bin/env bash
# Ensures the Prometheus Pushgateway (Debian package `prometheus-pushgateway`) is installed and
# prints the path of its binary on stdout. The test harness (test/harness/pushgateway.ts) starts
# it per test file on a free loopback port; nothing is started here.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

apt_install prometheus-pushgateway

bin=/usr/bin/prometheus-pushgateway
[ -x "$bin" ] || die "prometheus-pushgateway is installed but $bin is missing"
log "$("$bin" --version 2>&1 | head -n1)"
echo "$bin"
