// Command etcd is upstream etcd's server, built from go.etcd.io/etcd/server/v3.
// Debian's etcd 3.4 is too old for current kube-apiserver watches.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
