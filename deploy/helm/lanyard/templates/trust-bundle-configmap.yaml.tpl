# The trust bundle agents bootstrap from (agent trust_bundle_path). Lanyard has no bundle publisher plugin yet:
# put the server's CA certificate here through values (trustBundle) or update it with kubectl (docs/kubernetes.md).
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-bundle
  namespace: {{ .Release.Namespace }}
  labels:
    app.kubernetes.io/instance: {{ .Release.Name }}
data:
  bundle.crt: {{ .Values.trustBundle | quote }}
