apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-server
  namespace: {{ .Release.Namespace }}
  labels:
    app.kubernetes.io/name: lanyard-server
    app.kubernetes.io/instance: {{ .Release.Name }}
data:
  server.conf: |
    server {
      bind_address = "0.0.0.0"
      bind_port = "{{ .Values.server.port }}"
      socket_path = "/tmp/lanyard-server/private/api.sock"
      trust_domain = {{ .Values.trustDomain | quote }}
      data_dir = "/run/lanyard/data"
      log_level = {{ .Values.server.logLevel | quote }}
      default_x509_svid_ttl = {{ .Values.server.defaultX509SvidTtl | quote }}
{{- if .Values.oidcDiscovery.enabled }}
      jwt_issuer = {{ .Values.oidcDiscovery.jwtIssuer | quote }}
      jwt_key_type = {{ .Values.oidcDiscovery.jwtKeyType | quote }}
{{- end }}
    }

    plugins {
      DataStore "sql" {
        plugin_data {
{{- if .Values.server.postgres.enabled }}
          database_type = "postgres"
          connection_string = "${LANYARD_POSTGRES_CONNECTION_STRING}"
{{- else }}
          database_type = "sqlite3"
          connection_string = "/run/lanyard/data/datastore.sqlite3"
{{- end }}
        }
      }

      KeyManager "disk" {
        plugin_data {
          keys_path = "/run/lanyard/data/keys.json"
        }
      }

{{- if .Values.server.bundleNotifier.enabled }}
      # Keeps the trust bundle agents bootstrap from in the bundle ConfigMap, also after CA rotations.
      Notifier "k8sbundle" {
        plugin_data {
          namespace = {{ .Release.Namespace | quote }}
          config_map = "{{ .Release.Name }}-bundle"
          config_map_key = "bundle.crt"
        }
      }
{{- end }}

      NodeAttestor "k8s_psat" {
        plugin_data {
          clusters = {
            {{ .Values.clusterName | quote }} = {
              service_account_allow_list = ["{{ .Release.Namespace }}:{{ .Release.Name }}-agent"]
              audience = [{{ .Values.agent.tokenAudience | quote }}]
            }
          }
        }
      }
    }

    health_checks {
      listener_enabled = true
      bind_address = "0.0.0.0"
      bind_port = "{{ .Values.server.healthPort }}"
      live_path = "/live"
      ready_path = "/ready"
    }
