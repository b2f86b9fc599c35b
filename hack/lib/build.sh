# Builds (or finds cached) every binary the cluster needs. Sourced by hack/cluster.
# shellcheck shell=bash

K8S_COMMANDS=(kube-apiserver kube-controller-manager kube-scheduler kubelet kube-proxy kubectl)

k8s_ldflags() {
	local v=${K8S_VERSION#v} flags="-s -w" pkg
	local major=${v%%.*} rest=${v#*.}
	local minor=${rest%%.*}
	for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
		flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
		flags+=" -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
	done
	printf '%s' "$flags"
}

# Helm reads its own version and the Kubernetes version it assumes without a cluster
# ('helm template', 'helm lint') from ldflags, as its Makefile sets them; without them it says
# v3.19 and assumes Kubernetes 1.20.
helm_ldflags() {
	local k8s_minor=${K8S_VERSION#v1.}
	k8s_minor=${k8s_minor%%.*}
	local flags="-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" pkg
	for pkg in helm.sh/helm/v3/pkg/chartutil helm.sh/helm/v3/pkg/lint/rules; do
		flags+=" -X $pkg.k8sVersionMajor=1 -X $pkg.k8sVersionMinor=$k8s_minor"
	done
	printf '%s' "$flags"
}

# cached DIR RECIPE FILE...: DIR holds a complete build made the same way. The .complete
# marker holds the recipe (the ldflags) and is written only after a build succeeded, so an
# interrupted or failed build, or changed flags, build again.
cached() {
	local dir=$1 recipe=$2 f
	shift 2
	[[ -f $dir/.complete && $(<"$dir/.complete") == "$recipe" ]] || return 1
	for f in "$@"; do [[ -x $dir/$f ]] || return 1; done
}

# start_build DIR: an unmarked directory to build into.
start_build() { mkdir -p "$1" && rm -f "$1/.complete"; }

build_k8s() {
	local recipe cmd pkgs=()
	recipe=$(k8s_ldflags)
	if cached "$K8S_BIN" "$recipe" "${K8S_COMMANDS[@]}"; then
		log "kubernetes $K8S_VERSION: cached in $K8S_BIN"
		return
	fi
	start_build "$K8S_BIN"
	for cmd in "${K8S_COMMANDS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$cmd"); done
	(cd "$HACK_DIR/k8s-build" &&
		CGO_ENABLED=0 nice -n 10 go build -buildvcs=false -trimpath -ldflags "$recipe" -o "$K8S_BIN/" "${pkgs[@]}")
	write_marker "$K8S_BIN/.complete" "$recipe"
}

build_etcd() {
	local recipe="-s -w"
	if cached "$ETCD_BIN" "$recipe" etcd; then
		log "etcd $ETCD_VERSION: cached in $ETCD_BIN"
		return
	fi
	start_build "$ETCD_BIN"
	(cd "$HACK_DIR/etcd-build" &&
		CGO_ENABLED=0 nice -n 10 go build -buildvcs=false -trimpath -ldflags "$recipe" -o "$ETCD_BIN/etcd" .)
	write_marker "$ETCD_BIN/.complete" "$recipe"
}

# Modules without replace directives: plain 'go install' into the cache.
# go_install_into DIR PACKAGE@VERSION LDFLAGS TAGS [BUILT=NAME...]: BUILT=NAME renames a binary
# that 'go install' names after its package directory (toxiproxy's cmd/server). The recipe is
# the ldflags and the build tags: a change to either builds again.
go_install_into() {
	local dir=$1 pkg=$2 ldflags=$3 tags=$4 rename names=() recipe
	shift 4
	recipe="$ldflags${tags:+ -tags $tags}"
	for rename in "$@"; do names+=("${rename#*=}"); done
	((${#names[@]})) || names=("$(basename "${pkg%@*}")")
	if cached "$dir" "$recipe" "${names[@]}"; then
		log "$pkg: cached in $dir"
		return
	fi
	start_build "$dir"
	CGO_ENABLED=0 GOBIN=$dir nice -n 10 go install -buildvcs=false -trimpath ${tags:+-tags "$tags"} -ldflags "$ldflags" "$pkg"
	for rename in "$@"; do mv -f "$dir/${rename%%=*}" "$dir/${rename#*=}"; done
	write_marker "$dir/.complete" "$recipe"
}

# hack/kind-check: kind's own config loader (strict decoding), so a field kind does not know in
# kind-config.yaml fails a unit test instead of a user's 'kind create cluster'. The recipe holds
# the sources' digest: an edited main.go or go.mod builds again. About 35 s cold, 2 s warm.
build_kind_check() {
	local dir=$HACK_DIR/kind-check recipe
	grep -q "sigs.k8s.io/kind $KIND_VERSION\$" "$dir/go.mod" || die "hack/kind-check/go.mod does not require sigs.k8s.io/kind $KIND_VERSION"
	recipe="-s -w $(cd "$dir" && cat main.go go.mod go.sum | sha256sum | cut -d' ' -f1)"
	if cached "$KIND_CHECK_BIN" "$recipe" kind-check; then
		log "kind-check $KIND_VERSION: cached in $KIND_CHECK_BIN"
		return
	fi
	start_build "$KIND_CHECK_BIN"
	(cd "$dir" &&
		CGO_ENABLED=0 nice -n 10 go build -buildvcs=false -trimpath -ldflags "-s -w" -o "$KIND_CHECK_BIN/kind-check" .)
	write_marker "$KIND_CHECK_BIN/.complete" "$recipe"
}

# Tools the tests use beside the cluster: Toxiproxy (delays between two processes; the kernel
# here has no netem) and Prometheus (the metrics and dashboards, scraped for real).
build_test_tools() {
	timed "build toxiproxy $TOXIPROXY_VERSION" go_install_into "$TOXIPROXY_BIN" \
		"github.com/Shopify/toxiproxy/v2/cmd/...@$TOXIPROXY_VERSION" "-s -w" "" \
		server=toxiproxy-server cli=toxiproxy-cli
	timed "build prometheus $PROMETHEUS_VERSION" go_install_into "$PROMETHEUS_BIN" \
		"github.com/prometheus/prometheus/cmd/prometheus@$PROMETHEUS_VERSION" "-s -w" "$PROMETHEUS_TAGS"
	timed "build kind-check $KIND_VERSION" build_kind_check
}

# The test tools build in the background beside Kubernetes, the longest step, so a cold run
# does not add their time to it; a failure of either fails the build.
build_all() {
	command -v go >/dev/null || die "go is not on PATH"
	build_test_tools &
	local tools=$!
	BACKGROUND_PIDS+=("$tools")
	timed "build etcd $ETCD_VERSION" build_etcd
	timed "build kubernetes $K8S_VERSION (${K8S_COMMANDS[*]})" build_k8s
	timed "build helm $HELM_VERSION" go_install_into "$HELM_BIN" \
		"helm.sh/helm/v3/cmd/helm@$HELM_VERSION" "$(helm_ldflags)" ""
	timed "build coredns $COREDNS_VERSION" go_install_into "$COREDNS_BIN" \
		"github.com/coredns/coredns@$COREDNS_VERSION" "-s -w" ""
	wait "$tools"
}

# Fail loudly when a binary is missing: tests must not silently skip.
require_binaries() {
	local mode=$1 f
	local need=("$ETCD_BIN/etcd" "$K8S_BIN/kube-apiserver" "$K8S_BIN/kube-controller-manager"
		"$K8S_BIN/kube-scheduler" "$K8S_BIN/kubectl")
	if [[ $mode == full ]]; then
		need+=("$K8S_BIN/kubelet" "$K8S_BIN/kube-proxy" "$COREDNS_BIN/coredns")
		for f in containerd runc iptables conntrack; do
			command -v "$f" >/dev/null || die "$f is not installed: run 'hack/cluster install-deps'"
		done
		[[ -x /usr/lib/cni/bridge ]] || die "/usr/lib/cni/bridge missing: run 'hack/cluster install-deps'"
	fi
	for f in "${need[@]}"; do
		[[ -x $f ]] || die "$f is missing: run 'hack/cluster build'"
	done
	command -v openssl >/dev/null || die "openssl is not installed: run 'hack/cluster install-deps'"
}
