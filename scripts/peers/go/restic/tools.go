//go:build tools

// Builder module: pins restic so `go build github.com/restic/restic/cmd/restic` resolves from go.sum.
package tools

import _ "github.com/restic/restic/cmd/restic"
