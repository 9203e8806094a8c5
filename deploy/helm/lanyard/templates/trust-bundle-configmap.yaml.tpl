# The trust bundle agents bootstrap from (agent trust_bundle_path). With server.bundleNotifier.enabled (the default)
# the server's Notifier "k8sbundle" writes bundle.crt and keeps it current; the chart then leaves the key alone, so
# `helm upgrade` does not reset it. `trustBundle` pre-fills it (e.g. with the notifier disabled).
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-bundle
  namespace: {{ .Release.Namespace }}
  labels:
    app.kubernetes.io/instance: {{ .Release.Name }}
{{- if .Values.trustBundle }}
data:
  bundle.crt: {{ .Values.trustBundle | quote }}
{{- end }}
