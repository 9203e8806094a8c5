{{- if .Values.oidcDiscovery.enabled }}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-oidc-discovery
  namespace: {{ .Release.Namespace }}
  labels:
    app.kubernetes.io/name: lanyard-oidc-discovery
    app.kubernetes.io/instance: {{ .Release.Name }}
data:
  oidc-discovery-provider.conf: |
    log_level = {{ .Values.oidcDiscovery.logLevel | quote }}
    domains = [{{ .Values.oidcDiscovery.domain | quote }}]
    jwt_issuer = {{ .Values.oidcDiscovery.jwtIssuer | quote }}
    set_key_use = true
    insecure_addr = ":{{ .Values.oidcDiscovery.port }}"

    server_api {
      address = "unix:///tmp/lanyard-server/private/api.sock"
      poll_interval = {{ .Values.oidcDiscovery.pollInterval | quote }}
    }
{{- end }}
