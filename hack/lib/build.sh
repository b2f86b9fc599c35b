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
build_k8s() {
	[[ -f $K8S_BIN/.complete ]] && { log "kubernetes $K8S_VERSION: cached in $K8S_BIN"; return; }
	mkdir -p "$K8S_BIN"
	local cmd pkgs=()
	for cmd in "${K8S_COMMANDS[@]}"; do pkgs+=("k8s.io/kubernetes/cmd/$cmd"); done
	(cd "$HACK_DIR/k8s-build" &&
		CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags "$(k8s_ldflags)" -o "$K8S_BIN/" "${pkgs[@]}")
	touch "$K8S_BIN/.complete"
}

build_etcd() {
	[[ -f $ETCD_BIN/.complete ]] && { log "etcd $ETCD_VERSION: cached in $ETCD_BIN"; return; }
	mkdir -p "$ETCD_BIN"
	(cd "$HACK_DIR/etcd-build" &&
		CGO_ENABLED=0 nice -n 10 go build -trimpath -ldflags "-s -w" -o "$ETCD_BIN/etcd" .)
	touch "$ETCD_BIN/.complete"
}

# Helm and CoreDNS have no replace directives: plain 'go install' into the cache.
go_install_into() {
	local dir=$1 pkg=$2
	[[ -f $dir/.complete ]] && { log "$pkg: cached in $dir"; return; }
	mkdir -p "$dir"
	CGO_ENABLED=0 GOBIN=$dir nice -n 10 go install -trimpath -ldflags "-s -w" "$pkg"
	touch "$dir/.complete"
}

build_all() {
	command -v go >/dev/null || die "go is not on PATH"
	timed "build etcd $ETCD_VERSION" build_etcd
	timed "build kubernetes $K8S_VERSION (${K8S_COMMANDS[*]})" build_k8s
	timed "build helm $HELM_VERSION" go_install_into "$HELM_BIN" "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
	timed "build coredns $COREDNS_VERSION" go_install_into "$COREDNS_BIN" "github.com/coredns/coredns@$COREDNS_VERSION"
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
