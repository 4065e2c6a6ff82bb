#!/usr/bin/env bash
# Builds a Kubernetes test control plane from the Go module proxy: etcd, kube-apiserver and
# kube-controller-manager (no scheduler, no kubelet). Each binary is cached by version in
# $TOOLS_DIR/<name>-<version>/<name>; the script prints the three absolute paths, one a line
# (etcd, kube-apiserver, kube-controller-manager). See docs/kubernetes-test-cluster.md.
source "$(dirname "$0")/../lib.sh"

# Two cores on the reference machine: bound the compile parallelism so the machine stays usable
# (linking kube-apiserver alone takes ~1-2 GiB RSS).
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-p=2"

go_build_tool etcd "$ETCD_VERSION" "$STOWAGE_ROOT/scripts/peers/go/etcd" .

kmod="$STOWAGE_ROOT/scripts/peers/go/kubernetes"
if [ ! -x "$TOOLS_DIR/kube-apiserver-$KUBERNETES_VERSION/kube-apiserver" ] ||
  [ ! -x "$TOOLS_DIR/kube-controller-manager-$KUBERNETES_VERSION/kube-controller-manager" ]; then
  pinned=$(cd "$kmod" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go list -m -f '{{.Version}}' k8s.io/kubernetes)
  [ "$pinned" = "v$KUBERNETES_VERSION" ] ||
    die "scripts/peers/go/kubernetes pins k8s.io/kubernetes $pinned, versions.env says v$KUBERNETES_VERSION"
fi

# Version stamps (hack/lib/version.sh): without them /version reports v0.0.0-master+$Format:%H$.
# The build date is the release tag's time from the module proxy, so rebuilds are reproducible.
# The git commit is not known from the module zip, so it is left empty.
k8s_ldflags() {
  local minor date flags=""
  minor=$(cut -d. -f2 <<<"$KUBERNETES_VERSION")
  date=$(cd "$kmod" && GOTOOLCHAIN=local GOFLAGS=-mod=mod go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $p.gitVersion=v$KUBERNETES_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
    flags+=" -X $p.gitTreeState=clean -X $p.gitCommit= -X $p.buildDate=$date"
  done
  echo "${flags# }"
}
ldflags=""
for bin in kube-apiserver kube-controller-manager; do
  if [ ! -x "$TOOLS_DIR/$bin-$KUBERNETES_VERSION/$bin" ]; then
    [ -n "$ldflags" ] || ldflags=$(k8s_ldflags)
  fi
  go_build_tool "$bin" "$KUBERNETES_VERSION" "$kmod" "k8s.io/kubernetes/cmd/$bin" "$ldflags"
done
