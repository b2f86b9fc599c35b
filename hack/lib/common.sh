# Shared settings for hack/cluster and hack/images/build. Sourced, not run.
# shellcheck shell=bash
# The settings below are read by the files that source this one.
# shellcheck disable=SC2034

# Command substitutions keep set -e, so a failing step inside $(...) fails the caller too.
shopt -s inherit_errexit

K8S_VERSION=v1.34.4
ETCD_VERSION=v3.6.16
HELM_VERSION=v3.19.5
COREDNS_VERSION=v1.14.7
TOXIPROXY_VERSION=v2.5.0
PROMETHEUS_VERSION=v0.316.0 # the Go module's version of Prometheus 3.x
# The tests scrape static targets and, through the chart's ServiceMonitor, Kubernetes pods:
# every other service discovery (the cloud SDKs) is left out: a cold build takes 413 s of CPU
# instead of 741 s.
PROMETHEUS_TAGS=remove_all_sd,enable_kubernetes_sd
KIND_VERSION=v0.33.0 # sigs.k8s.io/kind, whose config loader checks kind-config.yaml (hack/kind-check/go.mod)

HACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$HACK_DIR/.." && pwd)

# Everything built or downloaded lives outside the repository, keyed by version.
KOBENCH_CACHE=${KOBENCH_CACHE:-/var/cache/kobench}
BIN_ROOT=$KOBENCH_CACHE/bin
K8S_BIN=$BIN_ROOT/k8s-$K8S_VERSION
ETCD_BIN=$BIN_ROOT/etcd-$ETCD_VERSION
HELM_BIN=$BIN_ROOT/helm-$HELM_VERSION
COREDNS_BIN=$BIN_ROOT/coredns-$COREDNS_VERSION
TOXIPROXY_BIN=$BIN_ROOT/toxiproxy-$TOXIPROXY_VERSION
PROMETHEUS_BIN=$BIN_ROOT/prometheus-$PROMETHEUS_VERSION
KIND_CHECK_BIN=$BIN_ROOT/kind-check-$KIND_VERSION
IMAGES_DIR=$KOBENCH_CACHE/images

# Run-time state of the cluster (certificates, data, pids). Removed by 'down'. Daemon logs
# go to LOG_DIR, which 'down' keeps for diagnosis and 'up' empties.
STATE_DIR=${KOBENCH_STATE:-/var/lib/kobench-cluster}
LOG_DIR=${KOBENCH_LOG_DIR:-/var/log/kobench-cluster}
KUBECONFIG_PATH=$STATE_DIR/admin.kubeconfig

# Network: only addresses this script creates. The host's node address sits on an interface
# of its own (kobench0, where the other nodes' links plug in too); the service range is
# blackholed so a ClusterIP without a kube-proxy rule goes nowhere; every node's pods live on a
# bridge of that node, with a /24 of the pod range. Node K (1 = the host) has address
# 10.203.0.K and pods in 10.203.(63+K).0/24; nodes.sh holds the per-node settings.
NODE_IFACE=kobench0
NODE_IP=10.203.0.1 # the host's node: the apiserver's address too
NODES_NET=10.203.0.0/24
SERVICE_CIDR=10.203.128.0/20
KUBERNETES_SVC_IP=10.203.128.1
DNS_SVC_IP=10.203.128.10
CLUSTER_POD_CIDR=10.203.64.0/20
CLUSTER_RANGE=10.203.0.0/16 # node, pod and service addresses: all the cluster may talk to
POD_BRIDGE=kobench-br0
CLUSTER_DOMAIN=cluster.local
APISERVER_PORT=6443
NODE_NAME=kobench-node # the host's node; node K > 1 is $NODE_NAME-K
MAX_NODES=9

ETCD_CLIENT_PORT=32379
ETCD_PEER_PORT=32380

# Images are imported under these names; the pause image is containerd's sandbox image.
PAUSE_IMAGE=kobench.local/pause:3.10
COREDNS_IMAGE=kobench.local/coredns:${COREDNS_VERSION#v}
TOXIPROXY_IMAGE=kobench.local/toxiproxy:${TOXIPROXY_VERSION#v}

log() { printf '[kobench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# timed LABEL COMMAND...: runs COMMAND and logs how long it took. Call it as a plain command,
# never in a '||' or '&&' list or an 'if': bash then ignores set -e inside COMMAND and everything
# it calls, so a failed step would not stop the steps after it. A failure ends the script
# (set -e); on_exit reports it.
timed() {
	local label=$1 start=$SECONDS rc
	shift
	"$@"
	rc=$? # non-zero only where a caller broke the rule above; passed on all the same
	log "$label took $((SECONDS - start))s"
	return "$rc"
}

# Installed as the EXIT trap of each entry script: a failure is never silent, and background
# steps (BACKGROUND_PIDS) do not outlive the script.
BACKGROUND_PIDS=()
# The command that ended a script under set -e, and where: the FAILED line alone does not say.
on_error() { log "command failed (exit $1): $2 (${3:-?}:${4:-?})"; }
on_exit() {
	local rc=$? pid
	for pid in "${BACKGROUND_PIDS[@]}"; do
		pkill -TERM -P "$pid" 2>/dev/null || true # its go command first, then the step itself
		kill "$pid" 2>/dev/null || true
	done
	((rc == 0)) || log "FAILED (exit $rc) after ${SECONDS}s: $(basename "$0") ${SCRIPT_ARGS:-}"
	return "$rc"
}

# write_marker FILE CONTENT: FILE appears whole or not at all (rename is atomic), and only
# when the caller got this far, i.e. after every step before it succeeded.
write_marker() {
	local file=$1 content=$2
	printf '%s\n' "$content" >"$file.tmp.$$"
	mv -f "$file.tmp.$$" "$file"
}
