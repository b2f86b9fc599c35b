# Shared settings for hack/cluster and hack/images/build. Sourced, not run.
# shellcheck shell=bash

K8S_VERSION=v1.34.4
ETCD_VERSION=v3.6.16
HELM_VERSION=v3.19.5
COREDNS_VERSION=v1.14.7

HACK_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$HACK_DIR/.." && pwd)

# Everything built or downloaded lives outside the repository, keyed by version.
KOBENCH_CACHE=${KOBENCH_CACHE:-/var/cache/kobench}
BIN_ROOT=$KOBENCH_CACHE/bin
K8S_BIN=$BIN_ROOT/k8s-$K8S_VERSION
ETCD_BIN=$BIN_ROOT/etcd-$ETCD_VERSION
HELM_BIN=$BIN_ROOT/helm-$HELM_VERSION
COREDNS_BIN=$BIN_ROOT/coredns-$COREDNS_VERSION
IMAGES_DIR=$KOBENCH_CACHE/images

# Run-time state of the cluster (certificates, data, pids). Removed by 'down'. Daemon logs
# go to LOG_DIR, which 'down' keeps for diagnosis and 'up' empties.
STATE_DIR=${KOBENCH_STATE:-/var/lib/kobench-cluster}
LOG_DIR=${KOBENCH_LOG_DIR:-/var/log/kobench-cluster}
KUBECONFIG_PATH=$STATE_DIR/admin.kubeconfig

# Network: only addresses this script creates. The node address sits on a dummy
# interface; the service range is blackholed so a ClusterIP without a kube-proxy rule
# goes nowhere; pods live on a bridge that only this host routes.
NODE_IFACE=kobench0
NODE_IP=10.203.0.1
SERVICE_CIDR=10.203.128.0/20
KUBERNETES_SVC_IP=10.203.128.1
DNS_SVC_IP=10.203.128.10
POD_CIDR=10.203.64.0/20
POD_BRIDGE=kobench-br0
CLUSTER_DOMAIN=cluster.local
APISERVER_PORT=6443
NODE_NAME=kobench-node

ETCD_CLIENT_PORT=32379
ETCD_PEER_PORT=32380

CONTAINERD_DIR=$STATE_DIR/containerd
CONTAINERD_SOCK=$CONTAINERD_DIR/containerd.sock
# Images are imported under these names; the pause image is containerd's sandbox image.
PAUSE_IMAGE=kobench.local/pause:3.10
COREDNS_IMAGE=kobench.local/coredns:${COREDNS_VERSION#v}

log() { printf '[kobench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Run "$@" and print how long it took, whatever the outcome.
timed() {
	local label=$1; shift
	local start=$SECONDS rc=0
	"$@" || rc=$?
	log "$label took $((SECONDS - start))s (exit $rc)"
	return "$rc"
}
