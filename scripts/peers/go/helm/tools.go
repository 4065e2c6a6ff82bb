//go:build tools

// Builder module: pins helm so `go build helm.sh/helm/v3/cmd/helm` resolves from go.sum.
// helm's own go.mod has no replace directives, so none are copied here.
package tools

import _ "helm.sh/helm/v3/cmd/helm"
