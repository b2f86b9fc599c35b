// Command kind-check loads a kind cluster configuration the way `kind create cluster --config`
// does, and stops there: no container runtime is touched.
//
// kind's loader (strict decoding: a field kind does not know is an error; defaults; conversion
// to its internal version) is internal to sigs.k8s.io/kind. Its public door is
// cluster.CreateWithConfigFile, an option whose apply method is unexported; Provider.Create
// applies it first, then asks the container runtime. So this program calls the option's
// function through reflection on a fresh ClusterOptions, defaults an unnamed cluster to "kind"
// (as create does without --name), then calls the loaded config's own Validate: what create
// does before it provisions anything. The kind version is pinned in go.mod; a release that
// changes these internals fails here loudly, never silently passes.
//
// Usage: kind-check FILE...; exit 0 when every file loads and validates, 1 otherwise.
package main

import (
	"fmt"
	"os"
	"reflect"

	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cluster/constants"
)

func check(path string) error {
	option := reflect.ValueOf(cluster.CreateWithConfigFile(path))
	if option.Kind() != reflect.Func || option.Type().NumIn() != 1 || option.Type().NumOut() != 1 {
		return fmt.Errorf("kind's CreateOption is no longer a func(*ClusterOptions) error: update hack/kind-check")
	}
	options := reflect.New(option.Type().In(0).Elem())
	if err, _ := option.Call([]reflect.Value{options})[0].Interface().(error); err != nil {
		return err
	}
	config := options.Elem().FieldByName("Config")
	if !config.IsValid() || config.IsNil() {
		return fmt.Errorf("kind loaded no configuration from it")
	}
	// create's own defaulting (an unnamed cluster is "kind", as with no --name) then Validate.
	if name := config.Elem().FieldByName("Name"); name.IsValid() && name.String() == "" {
		name.SetString(constants.DefaultClusterName)
	}
	validate := config.MethodByName("Validate")
	if !validate.IsValid() {
		return fmt.Errorf("kind's configuration has no Validate method: update hack/kind-check")
	}
	if err, _ := validate.Call(nil)[0].Interface().(error); err != nil {
		return err
	}
	return nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: kind-check FILE...")
		os.Exit(2)
	}
	failed := false
	for _, path := range os.Args[1:] {
		if err := check(path); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", path, err)
			failed = true
			continue
		}
		fmt.Printf("%s: valid kind configuration\n", path)
	}
	if failed {
		os.Exit(1)
	}
}
