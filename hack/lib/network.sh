# Host networking that the cluster needs, and nothing that reaches past this machine.
# Sourced by hack/cluster.
# shellcheck shell=bash

ROUTE_TABLE=2203          # policy-routing table for traffic from pods
RULE_PRIORITY=2203
GUARD_CHAIN=KOBENCH-GUARD # iptables chain (mangle) that drops pod traffic leaving the pod bridge
SYSCTL_SAVE=$STATE_DIR/sysctl.saved

# The node address lives on an interface this script creates. A dummy interface when the
# kernel has the module; otherwise a bridge with no ports, which carries a local address
# just the same.
up_node_address() {
	if ! ip link show "$NODE_IFACE" >/dev/null 2>&1; then
		ip link add "$NODE_IFACE" type dummy 2>/dev/null ||
			ip link add "$NODE_IFACE" type bridge ||
			die "cannot create interface $NODE_IFACE"
	fi
	ip addr replace "$NODE_IP/32" dev "$NODE_IFACE"
	ip link set "$NODE_IFACE" up
	# The service range answers nowhere unless kube-proxy rewrote the destination.
	ip route replace blackhole "$SERVICE_CIDR"
}

# sysctl_set KEY VALUE: records the value found first, so 'down' can put it back.
sysctl_set() {
	local key=$1 value=$2 old
	old=$(sysctl -n "$key")
	grep -q "^$key=" "$SYSCTL_SAVE" 2>/dev/null || echo "$key=$old" >> "$SYSCTL_SAVE"
	sysctl -qw "$key=$value"
}

# Pods sit on a bridge; everything they send that is not for another pod or for this host
# is blackholed by policy routing and dropped by the guard chain, whatever else is in FORWARD.
up_pod_network() {
	if ! ip link show "$POD_BRIDGE" >/dev/null 2>&1; then
		ip link add "$POD_BRIDGE" type bridge
	fi
	ip addr replace "${POD_CIDR%.*}.1/${POD_CIDR#*/}" dev "$POD_BRIDGE"
	ip link set "$POD_BRIDGE" up
	ip route replace "$POD_CIDR" dev "$POD_BRIDGE" table "$ROUTE_TABLE"
	ip route replace blackhole default table "$ROUTE_TABLE"
	ip rule show priority "$RULE_PRIORITY" | grep -q . ||
		ip rule add priority "$RULE_PRIORITY" from "$POD_CIDR" lookup "$ROUTE_TABLE"
	# In the mangle table, which runs before filter's FORWARD where kube-proxy puts its
	# ACCEPT rules first.
	local ipt="iptables -t mangle"
	$ipt -N "$GUARD_CHAIN" 2>/dev/null || $ipt -F "$GUARD_CHAIN"
	$ipt -A "$GUARD_CHAIN" -i "$POD_BRIDGE" -o "$POD_BRIDGE" -j RETURN
	$ipt -A "$GUARD_CHAIN" -i "$POD_BRIDGE" -j DROP
	$ipt -A "$GUARD_CHAIN" -o "$POD_BRIDGE" -j DROP
	$ipt -C FORWARD -j "$GUARD_CHAIN" 2>/dev/null || $ipt -I FORWARD 1 -j "$GUARD_CHAIN"
	modprobe br_netfilter 2>/dev/null || true
	sysctl_set net.ipv4.ip_forward 1
	sysctl_set net.bridge.bridge-nf-call-iptables 1
}

# Removes every iptables rule and chain made by kube-proxy, kubelet, CNI plugins or us,
# leaving all other rules as they were.
clean_iptables() {
	local tool
	for tool in iptables ip6tables; do
		command -v "$tool-save" >/dev/null || continue
		local saved
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
	local link
	# veth host ends left by pods whose sandbox was not torn down by the CNI plugin.
	for link in $(ip -o link show master "$POD_BRIDGE" 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
		ip link del "$link" 2>/dev/null || true
	done
	for link in "$POD_BRIDGE" "$NODE_IFACE"; do
		ip link del "$link" 2>/dev/null || true
	done
	if [[ -f $SYSCTL_SAVE ]]; then
		local line
		while IFS= read -r line; do sysctl -qw "$line" || true; done < "$SYSCTL_SAVE"
	fi
}
