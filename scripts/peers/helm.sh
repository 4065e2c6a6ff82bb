#!/usr/bin/env bash
# Builds helm (run by the chart tests in test/integration/helm) from the Go module proxy, caches it by
# version, and prints the binary's absolute path. The builder module pins helm.sh/helm/v3, which pins
# the k8s.io v0.34 modules and has no replace directives.
source "$(dirname "$0")/../lib.sh"

module="$STOWAGE_ROOT/scripts/peers/go/helm"
# The stamps helm's own Makefile sets: its version, and the Kubernetes version of its k8s.io modules,
# which `helm template`/`helm lint` assume when no cluster is asked (unstamped builds say v3.19 and 1.20).
k8s_minor="$(sed -n 's#^[[:space:]]*k8s.io/client-go v0\.\([0-9][0-9]*\)\..*#\1#p' "$module/go.mod")"
[ -n "$k8s_minor" ] || die "cannot read the k8s.io/client-go version from $module/go.mod"
ldflags="-X helm.sh/helm/v3/internal/version.version=v$HELM_VERSION -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
  ldflags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
done

go_build_tool helm "$HELM_VERSION" "$module" helm.sh/helm/v3/cmd/helm "$ldflags"
