# Networking that the cluster needs, and nothing that reaches past this machine: the host's
# node address, and in every node (the host or a node's network namespace) a pod bridge, its
# policy routing and its guard chain. Sourced by hack/cluster; the node functions act on the
# node that node_select chose (nodes.sh).
# shellcheck shell=bash

ROUTE_TABLE=2203          # policy-routing table for traffic from pods
RULE_PRIORITY=2203
GUARD_CHAIN=KOBENCH-GUARD # iptables chain (mangle) that drops pod traffic leaving the cluster
SYSCTL_SAVE=$STATE_DIR/sysctl.saved

# The host's node address lives on an interface this script creates. A dummy interface when
# the kernel has the module; otherwise a bridge, which carries a local address just the same and
# is also where the other nodes' links are plugged in.
up_node_address() {
	if ! ip link show "$NODE_IFACE" >/dev/null 2>&1; then
		if ! ip link add "$NODE_IFACE" type dummy 2>/dev/null; then
			ip link add "$NODE_IFACE" type bridge
		fi
	fi
	if [[ -d /sys/class/net/$NODE_IFACE/bridge ]]; then
		ip link set "$NODE_IFACE" address 02:6b:62:00:00:01 # as pin_bridge_address says
	fi
	ip addr replace "$NODE_IP/${NODES_NET#*/}" dev "$NODE_IFACE"
	ip link set "$NODE_IFACE" up
	# The service range answers nowhere unless kube-proxy rewrote the destination.
	ip route replace blackhole "$SERVICE_CIDR"
}

# A bridge not given an address takes the lowest of its ports' (all zeros with none): a pod
# leaving the node changes its gateway's MAC under the other pods, whose ARP entries then point
# nowhere for seconds (a pod on another node cannot reach them meanwhile). A bridge given its
# own address keeps it; locally administered, one per node from its pod range (10.203.65.0/24
# is 02:6b:62:00:41:01).
pin_bridge_address() {
	local bridge=$1 octets
	IFS=. read -ra octets <<<"${NODE_POD_CIDR%/*}"
	"${IN_NODE[@]}" ip link set "$bridge" address "$(printf '02:6b:62:00:%02x:01' "${octets[2]}")"
}

# sysctl_set KEY VALUE: on the host, records the value found first, so 'down' can put it back
# (a node's own namespace goes away whole).
sysctl_set() {
	local key=$1 value=$2 old
	if [[ -z $NODE_NETNS ]]; then
		old=$(sysctl -n "$key")
		grep -q "^$key=" "$SYSCTL_SAVE" 2>/dev/null || echo "$key=$old" >>"$SYSCTL_SAVE"
	fi
	"${IN_NODE[@]}" sysctl -qw "$key=$value"
}

# The node's pods sit on a bridge; what they send to anything but the cluster's addresses is
# blackholed by policy routing and dropped by the guard chain, whatever else is in FORWARD.
up_pod_network() {
	local n=("${IN_NODE[@]}")
	if ! "${n[@]}" ip link show "$POD_BRIDGE" >/dev/null 2>&1; then
		"${n[@]}" ip link add "$POD_BRIDGE" type bridge
	fi
	pin_bridge_address "$POD_BRIDGE"
	"${n[@]}" ip addr replace "${NODE_POD_CIDR%.*}.1/${NODE_POD_CIDR#*/}" dev "$POD_BRIDGE"
	"${n[@]}" ip link set "$POD_BRIDGE" up
	"${n[@]}" ip route replace "$NODE_POD_CIDR" dev "$POD_BRIDGE" table "$ROUTE_TABLE"
	"${n[@]}" ip route replace "$NODES_NET" dev "$NODE_IFACE" table "$ROUTE_TABLE"
	"${n[@]}" ip route replace blackhole default table "$ROUTE_TABLE"
	if ! "${n[@]}" ip rule show priority "$RULE_PRIORITY" | grep -q .; then
		"${n[@]}" ip rule add priority "$RULE_PRIORITY" from "$CLUSTER_POD_CIDR" lookup "$ROUTE_TABLE"
	fi
	up_guard_chain
	modprobe br_netfilter 2>/dev/null || true # built in, or loaded already, on most kernels
	sysctl_set net.ipv4.ip_forward 1
	sysctl_set net.bridge.bridge-nf-call-iptables 1
}

# In the mangle table, which runs before filter's FORWARD where kube-proxy puts its ACCEPT
# rules first. Traffic between the pod bridge and the node link passes only when both ends are
# cluster addresses; anything else entering or leaving either is dropped.
up_guard_chain() {
	local ipt=("${IN_NODE[@]}" iptables -t mangle) r=$CLUSTER_RANGE
	"${ipt[@]}" -N "$GUARD_CHAIN" 2>/dev/null || "${ipt[@]}" -F "$GUARD_CHAIN"
	"${ipt[@]}" -A "$GUARD_CHAIN" -i "$POD_BRIDGE" -o "$POD_BRIDGE" -j RETURN
	local in out
	for in in "$POD_BRIDGE" "$NODE_IFACE"; do
		for out in "$POD_BRIDGE" "$NODE_IFACE"; do
			[[ $in == "$POD_BRIDGE" && $out == "$POD_BRIDGE" ]] && continue
			"${ipt[@]}" -A "$GUARD_CHAIN" -i "$in" -o "$out" -s "$r" -d "$r" -j RETURN
		done
	done
	for in in "$POD_BRIDGE" "$NODE_IFACE"; do
		"${ipt[@]}" -A "$GUARD_CHAIN" -i "$in" -j DROP
		"${ipt[@]}" -A "$GUARD_CHAIN" -o "$in" -j DROP
	done
	"${ipt[@]}" -C FORWARD -j "$GUARD_CHAIN" 2>/dev/null || "${ipt[@]}" -I FORWARD 1 -j "$GUARD_CHAIN"
}

# Removes every iptables rule and chain made by kube-proxy, kubelet, CNI plugins or us on the
# host, leaving all other rules as they were.
clean_iptables() {
	local tool saved
	for tool in iptables ip6tables; do
		command -v "$tool-save" >/dev/null || continue
		saved=$("$tool-save" 2>/dev/null) || continue
		grep -qE 'KUBE-|CNI-|KOBENCH-' <<<"$saved" || continue
		grep -vE 'KUBE-|CNI-|KOBENCH-' <<<"$saved" | "$tool-restore" ||
			log "warning: $tool-restore failed; leftover rules: $("$tool-save" | grep -cE 'KUBE-|CNI-|KOBENCH-')"
	done
}

down_network() {
	clean_iptables
	ip rule del priority "$RULE_PRIORITY" 2>/dev/null || true
	ip route flush table "$ROUTE_TABLE" 2>/dev/null || true
	ip route del blackhole "$SERVICE_CIDR" 2>/dev/null || true
	local link line
	# veth host ends left by pods whose sandbox was not torn down by the CNI plugin, and the
	# host ends of the other nodes' links.
	for link in $(ip -o link show master "$POD_BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1) \
		$(ip -o link show master "$NODE_IFACE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		ip link del "$link" 2>/dev/null || true
	done
	for link in "$POD_BRIDGE" "$NODE_IFACE"; do
		ip link del "$link" 2>/dev/null || true
	done
	if [[ -f $SYSCTL_SAVE ]]; then
		while IFS= read -r line; do sysctl -qw "$line" || true; done <"$SYSCTL_SAVE"
	fi
}
