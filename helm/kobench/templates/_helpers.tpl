{{- define "kobench.fullname" -}}
{{- printf "%s-kobench" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kobench.labels" -}}
app.kubernetes.io/name: kobench
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "kobench.selector" -}}
app.kubernetes.io/name: kobench
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "kobench.serviceAccountName" -}}
{{- default (include "kobench.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "kobench.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* The operator's permissions; the same rules as manifests/rbac.yaml. */}}
{{- define "kobench.rules" -}}
- apiGroups: ["kobench.io"]
  resources: ["keydbobserverbenchmarks"]
  verbs: ["get", "list", "watch", "patch", "create", "deletecollection"]
- apiGroups: ["kobench.io"]
  resources: ["keydbobserverbenchmarks/status"]
  verbs: ["get", "patch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list", "create", "delete", "deletecollection"]
- apiGroups: [""]
  resources: ["pods/log"]
  verbs: ["get"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["list", "create", "delete"]
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "create", "update", "delete", "deletecollection"]
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["create", "deletecollection"]
- apiGroups: ["apps"]
  resources: ["statefulsets"]
  verbs: ["get", "create", "deletecollection"]
{{- end -}}
