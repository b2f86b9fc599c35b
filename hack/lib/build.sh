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

# A directory is complete once its .complete marker exists, so an interrupted build
# is redone rather than trusted.
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

# cached DIR RECIPE: DIR holds a complete build made the same way. The .complete marker holds
# the recipe (the ldflags), so an interrupted build or changed flags build again.
cached() { [[ -f $1/.complete && $(<"$1/.complete") == "$2" ]]; }

build_k8s() {
	local recipe
	recipe=$(k8s_ldflags)
	cached "$K8S_BIN" "$recipe" && { log "kubernetes $K8S_VERSION: cached in $K8S_BIN"; return; }
	mkdir -p "$K8S_BIN" && rm -f "$K8S_BIN/.complete"
	local cmd pkgs=()
	for cmd in "${K8S_COMMANDS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$cmd"); done
	(cd "$HACK_DIR/k8s-build" &&
		CGO_ENABLED=0 nice -n 10 go build -buildvcs=false -trimpath -ldflags "$recipe" -o "$K8S_BIN/" "${pkgs[@]}")
	echo "$recipe" > "$K8S_BIN/.complete"
}

build_etcd() {
	local recipe="-s -w"
	cached "$ETCD_BIN" "$recipe" && { log "etcd $ETCD_VERSION: cached in $ETCD_BIN"; return; }
	mkdir -p "$ETCD_BIN" && rm -f "$ETCD_BIN/.complete"
	(cd "$HACK_DIR/etcd-build" &&
		CGO_ENABLED=0 nice -n 10 go build -buildvcs=false -trimpath -ldflags "$recipe" -o "$ETCD_BIN/etcd" .)
	echo "$recipe" > "$ETCD_BIN/.complete"
}

# Helm and CoreDNS have no replace directives: plain 'go install' into the cache.
# go_install_into DIR PACKAGE@VERSION LDFLAGS
go_install_into() {
	local dir=$1 pkg=$2 recipe=$3
	cached "$dir" "$recipe" && { log "$pkg: cached in $dir"; return; }
	mkdir -p "$dir" && rm -f "$dir/.complete"
	CGO_ENABLED=0 GOBIN=$dir nice -n 10 go install -buildvcs=false -trimpath -ldflags "$recipe" "$pkg"
	echo "$recipe" > "$dir/.complete"
}

build_all() {
	command -v go >/dev/null || die "go is not on PATH"
	timed "build etcd $ETCD_VERSION" build_etcd
	timed "build kubernetes $K8S_VERSION (${K8S_COMMANDS[*]})" build_k8s
	timed "build helm $HELM_VERSION" go_install_into "$HELM_BIN" \
		"helm.sh/helm/v3/cmd/helm@$HELM_VERSION" "$(helm_ldflags)"
	timed "build coredns $COREDNS_VERSION" go_install_into "$COREDNS_BIN" \
		"github.com/coredns/coredns@$COREDNS_VERSION" "-s -w"
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
