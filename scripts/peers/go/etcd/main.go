// Command etcd is etcd's own server entry point (go.etcd.io/etcd/server/v3's main.go) in a builder
// module: `go install go.etcd.io/etcd/server/v3@v` fails because that module's go.mod uses replaces.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
