apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ .Release.Name }}-server
  namespace: {{ .Release.Namespace }}
---
# k8s_psat: validate agent tokens (TokenReview) and read the agent's pod and node.
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: {{ .Release.Name }}-server
rules:
  - apiGroups: ['authentication.k8s.io']
    resources: ['tokenreviews']
    verbs: ['create']
  - apiGroups: ['']
    resources: ['pods', 'nodes']
    verbs: ['get']
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: {{ .Release.Name }}-server
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: ClusterRole
  name: {{ .Release.Name }}-server
subjects:
  - kind: ServiceAccount
    name: {{ .Release.Name }}-server
    namespace: {{ .Release.Namespace }}
{{- if .Values.server.bundleNotifier.enabled }}
---
# Notifier "k8sbundle": read and patch the trust-bundle ConfigMap (and nothing else).
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {{ .Release.Name }}-server
  namespace: {{ .Release.Namespace }}
rules:
  - apiGroups: ['']
    resources: ['configmaps']
    resourceNames: ['{{ .Release.Name }}-bundle']
    verbs: ['get', 'patch']
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {{ .Release.Name }}-server
  namespace: {{ .Release.Namespace }}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {{ .Release.Name }}-server
subjects:
  - kind: ServiceAccount
    name: {{ .Release.Name }}-server
    namespace: {{ .Release.Namespace }}
{{- end }}
