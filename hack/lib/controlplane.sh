# etcd, kube-apiserver, kube-controller-manager and kube-scheduler. Sourced by hack/cluster.
# shellcheck shell=bash

kubectl_admin() { "$K8S_BIN/kubectl" --kubeconfig "$KUBECONFIG_PATH" "$@"; }

start_etcd() {
	mkdir -p "$STATE_DIR/etcd" && chmod 700 "$STATE_DIR/etcd"
	start_daemon etcd "$ETCD_BIN/etcd" \
		--name kobench --data-dir "$STATE_DIR/etcd" \
		--listen-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
		--advertise-client-urls "http://127.0.0.1:$ETCD_CLIENT_PORT" \
		--listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
		--initial-cluster "kobench=http://127.0.0.1:$ETCD_PEER_PORT" \
		--unsafe-no-fsync --quota-backend-bytes 2147483648 --log-level warn
	wait_for etcd 60 curl -fsS "http://127.0.0.1:$ETCD_CLIENT_PORT/health"
}

start_apiserver() {
	start_daemon kube-apiserver "$K8S_BIN/kube-apiserver" \
		--etcd-servers "http://127.0.0.1:$ETCD_CLIENT_PORT" \
		--advertise-address "$NODE_IP" --bind-address "$NODE_IP" --secure-port "$APISERVER_PORT" \
		--service-cluster-ip-range "$SERVICE_CIDR" \
		--client-ca-file "$PKI/ca.crt" \
		--tls-cert-file "$PKI/apiserver.crt" --tls-private-key-file "$PKI/apiserver.key" \
		--kubelet-client-certificate "$PKI/apiserver-kubelet-client.crt" \
		--kubelet-client-key "$PKI/apiserver-kubelet-client.key" \
		--kubelet-preferred-address-types InternalIP \
		--kubelet-certificate-authority "$PKI/ca.crt" \
		--service-account-issuer "https://kubernetes.default.svc.$CLUSTER_DOMAIN" \
		--service-account-key-file "$PKI/sa.pub" \
		--service-account-signing-key-file "$PKI/sa.key" \
		--authorization-mode Node,RBAC \
		--enable-admission-plugins NodeRestriction \
		--allow-privileged=true --profiling=false --v=1
	wait_for kube-apiserver 120 kubectl_admin get --raw /readyz
}

start_controller_manager() {
	local kc=$STATE_DIR/controller-manager.kubeconfig
	start_daemon kube-controller-manager "$K8S_BIN/kube-controller-manager" \
		--kubeconfig "$kc" --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
		--bind-address 127.0.0.1 --leader-elect=false \
		--root-ca-file "$PKI/ca.crt" \
		--service-account-private-key-file "$PKI/sa.key" \
		--use-service-account-credentials=true \
		--cluster-signing-cert-file "$PKI/ca.crt" --cluster-signing-key-file "$PKI/ca.key" \
		--service-cluster-ip-range "$SERVICE_CIDR" --cluster-cidr "$CLUSTER_POD_CIDR" \
		--allocate-node-cidrs=false --profiling=false --v=1
}

start_scheduler() {
	local kc=$STATE_DIR/scheduler.kubeconfig
	start_daemon kube-scheduler "$K8S_BIN/kube-scheduler" \
		--kubeconfig "$kc" --authentication-kubeconfig "$kc" --authorization-kubeconfig "$kc" \
		--bind-address 127.0.0.1 --leader-elect=false --profiling=false --v=1
}

# The control plane is usable once the default service account exists (the token and
# service-account controllers run) and the kubernetes Service points at our address.
control_plane_ready() {
	kubectl_admin -n default get serviceaccount default &&
		kubectl_admin get --raw /readyz &&
		kubectl_admin get --raw "/api/v1/namespaces/default/endpoints/kubernetes" | grep -q "$NODE_IP"
}

up_control_plane() {
	make_pki
	start_etcd
	start_apiserver
	start_controller_manager
	start_scheduler
	wait_for "control plane" 120 control_plane_ready
}

down_control_plane() {
	stop_daemon kube-scheduler
	stop_daemon kube-controller-manager
	stop_daemon kube-apiserver
	stop_daemon etcd
}
