# The nodes of a full cluster and their settings. Sourced by hack/cluster and hack/images/build.
#
# Node 1 is the host itself (as with one node). Node K > 1 runs in a network namespace
# (/run/netns/$NODE_NAME-K) and a mount namespace of its own, so its kubelet has its own
# device-plugin socket and /var/log/containers; its link is a veth whose host end (kbn-K) is a
# port of the host's kobench0 bridge. Taking that link down partitions the node.
# shellcheck shell=bash

NS_DIR=/run/kobench-cluster # mount namespaces of the nodes (a private mount, see make_mount_ns)

# node_select K: points the NODE_* settings, and IN_NODE (the command prefix that runs a
# command inside the node), at node K.
# shellcheck disable=SC2034 # the settings are read by node.sh and network.sh
node_select() {
	local k=$1
	[[ $k =~ ^[1-9]$ ]] || die "node index '$k' out of range 1..$MAX_NODES"
	NODE_INDEX=$k
	NODE_ADDR=10.203.0.$k
	NODE_POD_CIDR=10.203.$((63 + k)).0/24
	NODE_CGROUP_ROOT=/kobench/node-$k
	if ((k == 1)); then
		NODE=$NODE_NAME SUFFIX="" NODE_NETNS="" NODE_STATE=$STATE_DIR
		IN_NODE=()
	else
		NODE=$NODE_NAME-$k SUFFIX=-$k NODE_NETNS=$NODE_NAME-$k NODE_STATE=$STATE_DIR/nodes/$k
		IN_NODE=(nsenter "--net=/run/netns/$NODE_NETNS" "--mount=$NS_DIR/mnt-$k")
	fi
	NODE_LINK=kbn-$k
	CONTAINERD_DIR=$NODE_STATE/containerd
	CONTAINERD_SOCK=$CONTAINERD_DIR/containerd.sock
	KUBELET_DIR=$NODE_STATE/kubelet
	CNI_CONF_DIR=$NODE_STATE/cni/net.d
}
node_select 1

# Imports the archive IMAGES_DIR/NAME.tar into the selected node's containerd, unless that build
# (the archive's .key file names it) is there already: returns 1 then.
import_archive() {
	local name=$1 key done_dir=$CONTAINERD_DIR/imported
	key=$(cat "$IMAGES_DIR/$name.key" 2>/dev/null || stat -c %Y "$IMAGES_DIR/$name.tar")
	[[ $(cat "$done_dir/$name" 2>/dev/null) == "$key" ]] && return 1
	ctr --address "$CONTAINERD_SOCK" --namespace k8s.io images import "$IMAGES_DIR/$name.tar" \
		>/dev/null || die "import of $IMAGES_DIR/$name.tar failed"
	mkdir -p "$done_dir"
	write_marker "$done_dir/$name" "$key"
}

# The nodes 'up' started (1 when none is recorded: a cluster from before --nodes).
node_count() { cat "$STATE_DIR/nodes.count" 2>/dev/null || echo 1; }

# Indexes of the nodes whose state or namespaces exist, also after a killed run.
known_nodes() {
	local k
	for ((k = 1; k <= MAX_NODES; k++)); do
		if ((k == 1)) || [[ -d $STATE_DIR/nodes/$k || -e /run/netns/$NODE_NAME-$k || -e $NS_DIR/mnt-$k ]]; then
			echo "$k"
		fi
	done
}

# The node's namespaces and its link to the host: 10.203.0.K on its end (named like the host's
# interface, so the guard chain reads the same in every node), hairpin on the host's end so a
# pod can reach a NodePort whose endpoint is on its own node.
up_node_namespaces() {
	[[ -n $NODE_NETNS ]] || return 0
	[[ -e /run/netns/$NODE_NETNS ]] || ip netns add "$NODE_NETNS"
	make_mount_ns
	local n=("${IN_NODE[@]}")
	if ! ip link show "$NODE_LINK" >/dev/null 2>&1; then
		ip link add "$NODE_LINK" type veth peer name "$NODE_IFACE" netns "$NODE_NETNS"
	fi
	ip link set "$NODE_LINK" master "$NODE_IFACE"
	bridge link set dev "$NODE_LINK" hairpin on
	ip link set "$NODE_LINK" up
	"${n[@]}" ip link set lo up
	"${n[@]}" ip addr replace "$NODE_ADDR/${NODES_NET#*/}" dev "$NODE_IFACE"
	"${n[@]}" ip link set "$NODE_IFACE" up
	"${n[@]}" ip route replace blackhole "$SERVICE_CIDR"
}

# A persistent mount namespace, bound to a file on a private mount (the kernel refuses the
# bind on a shared one). Slave propagation: the host's mounts show inside, the node's stay
# inside. ip netns exec would remount /sys and hide the cgroup mounts from the kubelet, so
# nodes are entered with nsenter.
make_mount_ns() {
	local file=$NS_DIR/mnt-$NODE_INDEX
	if ! mountpoint -q "$NS_DIR"; then
		mkdir -p "$NS_DIR"
		mount --bind "$NS_DIR" "$NS_DIR"
		mount --make-private "$NS_DIR"
	fi
	grep -qF " $file " /proc/self/mounts && return 0
	touch "$file"
	unshare --mount="$file" --propagation slave true
	# Paths a kubelet uses whatever its root dir: one per node.
	local private=$NODE_STATE/private
	mkdir -p "$private/device-plugins" "$private/containers" /var/lib/kubelet/device-plugins /var/log/containers
	"${IN_NODE[@]}" mount --bind "$private/device-plugins" /var/lib/kubelet/device-plugins
	"${IN_NODE[@]}" mount --bind "$private/containers" /var/log/containers
}

# Routes between the nodes' pod ranges, in every node (and policy table) of an N-node cluster.
up_node_routes() {
	local count=$1 k j cidr addr
	for ((k = 1; k <= count; k++)); do
		node_select "$k"
		local in=("${IN_NODE[@]}")
		for ((j = 1; j <= count; j++)); do
			((j == k)) && continue
			cidr=10.203.$((63 + j)).0/24 addr=10.203.0.$j
			"${in[@]}" ip route replace "$cidr" via "$addr" dev "$NODE_IFACE"
			"${in[@]}" ip route replace "$cidr" via "$addr" dev "$NODE_IFACE" table "$ROUTE_TABLE"
		done
	done
	node_select 1
}

# Every process of the node (pods, shims, daemons), then its cgroups and namespaces. Only the
# node's own cgroup tree is touched, never another kubelet's pods.
remove_node_leftovers() {
	local dir pid
	for dir in /sys/fs/cgroup/*"$NODE_CGROUP_ROOT"; do
		[[ -d $dir ]] || continue
		while read -r pid; do kill -KILL "$pid" 2>/dev/null || true; done \
			< <(find "$dir" -name cgroup.procs -exec cat {} + 2>/dev/null)
	done
	if [[ -n $NODE_NETNS && -e /run/netns/$NODE_NETNS ]]; then
		for pid in $(ip netns pids "$NODE_NETNS" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
	fi
	sleep 0.5
	for dir in /sys/fs/cgroup/*"$NODE_CGROUP_ROOT"; do
		[[ -d $dir ]] || continue
		find "$dir" -depth -type d -exec rmdir {} \; 2>/dev/null || true
	done
	rmdir /sys/fs/cgroup/*/kobench 2>/dev/null || true # the parent, once every node's is gone
	[[ -n $NODE_NETNS ]] || return 0
	unmount_all "$NS_DIR/mnt-$NODE_INDEX"
	rm -f "$NS_DIR/mnt-$NODE_INDEX" 2>/dev/null || log "warning: could not remove $NS_DIR/mnt-$NODE_INDEX"
	ip netns del "$NODE_NETNS" 2>/dev/null || true
	ip link del "$NODE_LINK" 2>/dev/null || true
}

# The namespaces' private mount, once no node uses it.
remove_ns_dir() {
	unmount_all "$NS_DIR"
	rm -rf "$NS_DIR" 2>/dev/null || log "warning: could not remove $NS_DIR"
}

# unmount_all PATH: every mount stacked on PATH (a killed run can leave more than one), lazily
# when one is busy.
unmount_all() {
	local i
	for ((i = 0; i < 10; i++)); do
		grep -qF " $1 " /proc/self/mounts || return 0
		umount "$1" 2>/dev/null || umount -l "$1" 2>/dev/null || true
	done
}

# The node's cgroup root in every hierarchy (the kubelet refuses a cgroupRoot that does not
# exist); cpuset needs its CPUs and memory nodes set before anything can join it.
make_cgroup_root() {
	local hierarchy dir
	for hierarchy in /sys/fs/cgroup/*/; do
		[[ -f $hierarchy/cgroup.procs ]] || continue
		for dir in "$hierarchy/kobench" "$hierarchy$NODE_CGROUP_ROOT"; do
			mkdir -p "$dir"
			if [[ -f $dir/cpuset.cpus && -z $(<"$dir/cpuset.cpus") ]]; then
				cat "$(dirname "$dir")/cpuset.cpus" >"$dir/cpuset.cpus"
				cat "$(dirname "$dir")/cpuset.mems" >"$dir/cpuset.mems"
			fi
		done
	done
}
