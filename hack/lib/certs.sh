# Certificates and keys made with openssl. Sourced by hack/cluster.
# shellcheck shell=bash

PKI=$STATE_DIR/pki

make_ca() {
	openssl genrsa -out "$PKI/ca.key" 2048 2>/dev/null
	openssl req -x509 -new -nodes -key "$PKI/ca.key" -subj "/CN=kobench-ca" -days 3650 \
		-out "$PKI/ca.crt" 2>/dev/null
}

# make_cert NAME SUBJECT KIND [SAN]: KIND is client or server.
make_cert() {
	local name=$1 subject=$2 kind=$3 san=${4:-}
	local ext=$PKI/$name.ext
	{
		echo "basicConstraints=CA:FALSE"
		echo "keyUsage=critical,digitalSignature,keyEncipherment"
		if [[ $kind == server ]]; then
			echo "extendedKeyUsage=serverAuth,clientAuth"
			echo "subjectAltName=$san"
		else
			echo "extendedKeyUsage=clientAuth"
		fi
	} > "$ext"
	openssl genrsa -out "$PKI/$name.key" 2048 2>/dev/null
	openssl req -new -key "$PKI/$name.key" -subj "$subject" -out "$PKI/$name.csr" 2>/dev/null
	openssl x509 -req -in "$PKI/$name.csr" -CA "$PKI/ca.crt" -CAkey "$PKI/ca.key" -CAcreateserial \
		-days 3650 -extfile "$ext" -out "$PKI/$name.crt" 2>/dev/null
	rm -f "$PKI/$name.csr" "$ext"
}

# write_kubeconfig FILE CERT_NAME: a kubeconfig that authenticates with PKI/CERT_NAME.{crt,key}.
write_kubeconfig() {
	local file=$1 name=$2
	cat > "$file" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: kobench
  cluster:
    server: https://$NODE_IP:$APISERVER_PORT
    certificate-authority: $PKI/ca.crt
users:
- name: $name
  user:
    client-certificate: $PKI/$name.crt
    client-key: $PKI/$name.key
contexts:
- name: kobench
  context:
    cluster: kobench
    user: $name
current-context: kobench
KUBECONFIG
}

make_pki() {
	[[ -f $PKI/.complete ]] && return
	mkdir -p "$PKI" && chmod 700 "$PKI"
	make_ca
	local san="IP:$NODE_IP,IP:127.0.0.1,IP:$KUBERNETES_SVC_IP,DNS:localhost,DNS:kubernetes"
	san+=",DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.$CLUSTER_DOMAIN"
	make_cert apiserver "/CN=kube-apiserver" server "$san"
	make_cert apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" client
	make_cert admin "/O=system:masters/CN=kobench-admin" client
	make_cert controller-manager "/CN=system:kube-controller-manager" client
	make_cert scheduler "/CN=system:kube-scheduler" client
	make_cert kube-proxy "/CN=system:kube-proxy" client
	openssl genrsa -out "$PKI/sa.key" 2048 2>/dev/null
	openssl rsa -in "$PKI/sa.key" -pubout -out "$PKI/sa.pub" 2>/dev/null
	local n
	for n in admin controller-manager scheduler kube-proxy; do
		write_kubeconfig "$STATE_DIR/$n.kubeconfig" "$n"
	done
	write_marker "$PKI/.complete" ""
}

# The kubelet's client certificate (the Node authorizer knows it by its name) and serving
# certificate (the apiserver checks it for logs and exec) of the node node_select chose.
make_node_pki() {
	local name=kubelet$SUFFIX
	[[ -f $PKI/$name.complete ]] && return
	# A cluster started before --nodes made node 1's certificates with the others.
	[[ $NODE_INDEX == 1 && -f $NODE_STATE/kubelet.kubeconfig ]] && return
	make_cert "$name" "/O=system:nodes/CN=system:node:$NODE" client
	make_cert "kubelet-serving$SUFFIX" "/CN=$NODE" server "IP:$NODE_ADDR,DNS:$NODE,DNS:localhost"
	mkdir -p "$NODE_STATE"
	write_kubeconfig "$NODE_STATE/kubelet.kubeconfig" "$name"
	write_marker "$PKI/$name.complete" ""
}
