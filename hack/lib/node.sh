# A node: containerd, bridge CNI, kubelet and kube-proxy, for the node that node_select chose
# (nodes.sh); and CoreDNS for the cluster. Sourced by hack/cluster.
# shellcheck shell=bash

# CAP_SYS_RESOURCE is bit 24 of the effective capability set.
has_cap_sys_resource() {
	local eff
	eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
	(( (16#$eff >> 24) & 1 ))
}

ctr_k8s() { ctr --address "$CONTAINERD_SOCK" --namespace k8s.io "$@"; }

write_containerd_config() {
	mkdir -p "$CONTAINERD_DIR" "$CNI_CONF_DIR" "$NODE_STATE/cni/ipam"
	cat > "$CONTAINERD_DIR/config.toml" <<TOML
version = 2
root = "$CONTAINERD_DIR/root"
state = "$CONTAINERD_DIR/state"

[grpc]
  address = "$CONTAINERD_SOCK"

[plugins."io.containerd.internal.v1.opt"]
  path = "$CONTAINERD_DIR/opt"

[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  # Without CAP_SYS_RESOURCE (as in some sandboxes) nobody may lower oom_score_adj; the
  # kubelet asks for -998 for sandboxes. Clamp requests to containerd's own value instead.
  restrict_oom_score_adj = $(has_cap_sys_resource && echo false || echo true)
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$CONTAINERD_DIR/runc"
        BinaryName = "${KOBENCH_RUNC:-$(command -v runc)}"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CNI_CONF_DIR"
TOML
	# Bridge CNI: no IP masquerade (pods never talk past this host), host-local addresses.
	cat > "$CNI_CONF_DIR/10-kobench.conflist" <<JSON
{
  "cniVersion": "0.4.0",
  "name": "kobench",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$POD_BRIDGE",
      "isGateway": true,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "dataDir": "$NODE_STATE/cni/ipam",
        "ranges": [[{"subnet": "$NODE_POD_CIDR", "gateway": "${NODE_POD_CIDR%.*}.1"}]],
        "routes": [{"dst": "0.0.0.0/0"}]
      }
    },
    {"type": "portmap", "capabilities": {"portMappings": true}}
  ]
}
JSON
}

start_containerd() {
	write_containerd_config
	# containerd never needs to pull here (images are imported); should a pod name an
	# image that is not imported, the pull goes to a proxy on loopback that refuses it.
	start_daemon "containerd$SUFFIX" "${IN_NODE[@]}" env HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9 \
		NO_PROXY= containerd --config "$CONTAINERD_DIR/config.toml"
	wait_for "containerd$SUFFIX" 60 ctr --address "$CONTAINERD_SOCK" version
}

# Imports each archive of IMAGES_DIR that containerd does not have yet in that build
# (the archive's .key file names the build).
import_images() {
	local tar n=0
	[[ -f $IMAGES_DIR/pause.tar && -f $IMAGES_DIR/coredns.tar ]] ||
		die "images missing in $IMAGES_DIR: run 'hack/cluster images'"
	for tar in "$IMAGES_DIR"/*.tar; do
		if import_archive "$(basename "$tar" .tar)"; then n=$((n + 1)); fi
	done
	log "$NODE: imported $n new images from $IMAGES_DIR"
}

write_kubelet_config() {
	mkdir -p "$KUBELET_DIR/pki"
	printf 'nameserver 127.0.0.1\noptions ndots:1\n' > "$STATE_DIR/resolv.conf"
	make_cgroup_root
	cat > "$NODE_STATE/kubelet.yaml" <<YAML
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: $NODE_ADDR
port: 10250
healthzBindAddress: 127.0.0.1
healthzPort: 10248
readOnlyPort: 0
tlsCertFile: $PKI/kubelet-serving$SUFFIX.crt
tlsPrivateKeyFile: $PKI/kubelet-serving$SUFFIX.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI/ca.crt}
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
# The node's pods under a tree of its own, so 'down' removes only those.
cgroupRoot: $NODE_CGROUP_ROOT
podLogsDir: $NODE_STATE/pod-logs
failCgroupV1: false
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
clusterDNS: [$DNS_SVC_IP]
clusterDomain: $CLUSTER_DOMAIN
resolvConf: $STATE_DIR/resolv.conf
failSwapOn: false
rotateCertificates: false
serializeImagePulls: false
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 200Mi
  nodefs.available: 1%
  imagefs.available: 1%
  nodefs.inodesFree: 1%
maxPods: 110
YAML
}

start_kubelet() {
	write_kubelet_config
	# KOBENCH_NODE_TAINTS (key=value:Effect,...) taints the nodes other than the host's when
	# they register, so no workload lands on a node that is being worked on.
	local taints=()
	if ((NODE_INDEX > 1)) && [[ -n ${KOBENCH_NODE_TAINTS:-} ]]; then
		taints=("--register-with-taints=$KOBENCH_NODE_TAINTS")
	fi
	start_daemon "kubelet$SUFFIX" "${IN_NODE[@]}" "$K8S_BIN/kubelet" \
		--config "$NODE_STATE/kubelet.yaml" \
		--kubeconfig "$NODE_STATE/kubelet.kubeconfig" \
		--root-dir "$KUBELET_DIR" --cert-dir "$KUBELET_DIR/pki" \
		--hostname-override "$NODE" --node-ip "$NODE_ADDR" --v=1 "${taints[@]}"
}

start_kube_proxy() {
	cat > "$NODE_STATE/kube-proxy.yaml" <<YAML
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection:
  kubeconfig: $STATE_DIR/kube-proxy.kubeconfig
hostnameOverride: $NODE
clusterCIDR: $CLUSTER_POD_CIDR
healthzBindAddress: 127.0.0.1:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: ["$NODE_ADDR/32"]
iptables:
  localhostNodePorts: false
conntrack:
  maxPerCore: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
YAML
	start_daemon "kube-proxy$SUFFIX" "${IN_NODE[@]}" "$K8S_BIN/kube-proxy" --config "$NODE_STATE/kube-proxy.yaml" --v=1
}

# node_ready NAME
node_ready() {
	kubectl_admin get node "$1" \
		-o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True
}

deploy_coredns() {
	sed -e "s|@DNS_SVC_IP@|$DNS_SVC_IP|g" -e "s|@COREDNS_IMAGE@|$COREDNS_IMAGE|g" \
		-e "s|@CLUSTER_DOMAIN@|$CLUSTER_DOMAIN|g" -e "s|@NODE_NAME@|$NODE_NAME|g" "$HACK_DIR/manifests/coredns.yaml" |
		kubectl_admin apply -f - >/dev/null
	kubectl_admin -n kube-system rollout status deployment/coredns --timeout=180s >/dev/null ||
		die "CoreDNS did not become ready (kubectl -n kube-system describe pod -l k8s-app=kube-dns)"
	log "coredns: ready"
}

# up_nodes N: nodes 1..N, each with its namespaces, network, containerd, images, kubelet and
# kube-proxy. The image imports (about 20 s a node, mostly hashing) run side by side.
up_nodes() {
	local count=$1 k pids=()
	for ((k = 1; k <= count; k++)); do
		node_select "$k"
		make_node_pki
		up_node_namespaces
		up_pod_network
		start_containerd
		import_images &
		pids+=($!)
		BACKGROUND_PIDS+=($!)
	done
	for k in "${pids[@]}"; do wait "$k"; done
	for ((k = 1; k <= count; k++)); do
		node_select "$k"
		start_kubelet
		start_kube_proxy
	done
	node_select 1
}

# Pods are deleted through the API first, so each kubelet tears every sandbox down through
# the CNI plugin; what is left after that is removed by hand. Cordoned first, so nothing is
# scheduled again meanwhile (63 s -> 5 s).
drain_nodes() {
	daemon_running kube-apiserver || return 0
	stop_daemon kube-controller-manager
	kubectl_admin cordon --all >/dev/null 2>&1 || true
	log "deleting all pods"
	kubectl_admin delete pods --all --all-namespaces --grace-period=1 --wait=false >/dev/null 2>&1 || true
	local deadline=$((SECONDS + 60))
	while ((SECONDS < deadline)); do
		[[ -z $(kubectl_admin get pods -A -o name 2>/dev/null) ]] && break
		sleep 1
	done
}

# Tasks, containers, and the network namespaces of sandboxes still known to the node's
# containerd. When a previous run's containerd is gone, one is started on its state to do this.
remove_containers() {
	[[ -f $CONTAINERD_DIR/config.toml ]] || return 0
	[[ -z $NODE_NETNS || -e /run/netns/$NODE_NETNS ]] || return 0
	daemon_running "containerd$SUFFIX" || start_containerd
	local id ns
	for id in $(ctr_k8s tasks list -q 2>/dev/null); do
		ctr_k8s tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true
	done
	sleep 1
	for id in $(ctr_k8s containers list -q 2>/dev/null); do
		ns=$(ctr_k8s containers info "$id" 2>/dev/null |
			python3 -c 'import json,sys
for n in json.load(sys.stdin)["Spec"]["linux"].get("namespaces", []):
    if n["type"] == "network" and n.get("path"): print(n["path"])' 2>/dev/null || true)
		ctr_k8s tasks delete -f "$id" >/dev/null 2>&1 || true
		ctr_k8s containers delete "$id" >/dev/null 2>&1 || true
		if [[ $ns == /var/run/netns/* || $ns == /run/netns/* ]]; then
			"${IN_NODE[@]}" umount "$ns" 2>/dev/null || true
			"${IN_NODE[@]}" rm -f "$ns" 2>/dev/null || true
		fi
	done
}

# containerd shims of the node's containerd, found by the socket path in their command line.
kill_our_shims() {
	local pid
	while read -r pid; do
		[[ $(cat "/proc/$pid/comm" 2>/dev/null) == containerd-shim* ]] || continue
		kill -KILL "$pid" 2>/dev/null || true
	done < <(grep -lsF -- "$CONTAINERD_SOCK" /proc/[0-9]*/cmdline | cut -d/ -f3)
}

unmount_state() {
	local m
	# Deepest first, so nested mounts go before their parents.
	while read -r m; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
	done < <(awk -v d="$STATE_DIR" 'index($2, d) == 1 {print $2}' /proc/self/mounts | sort -r)
}

# down_node K
down_node() {
	node_select "$1"
	stop_daemon "kube-proxy$SUFFIX"
	stop_daemon "kubelet$SUFFIX"
	remove_containers
	stop_daemon "containerd$SUFFIX"
	kill_our_shims
	remove_node_leftovers
	node_select 1
}
