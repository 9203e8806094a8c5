apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ .Release.Name }}-agent
  namespace: {{ .Release.Namespace }}
  labels:
    app.kubernetes.io/name: lanyard-agent
    app.kubernetes.io/instance: {{ .Release.Name }}
data:
  agent.conf: |
    agent {
      data_dir = "/run/lanyard/agent"
      log_level = {{ .Values.agent.logLevel | quote }}
      server_address = "{{ .Release.Name }}-server.{{ .Release.Namespace }}.svc"
      server_port = {{ .Values.server.port }}
      socket_path = "/run/lanyard/sockets/{{ .Values.agent.socketName }}"
      trust_domain = {{ .Values.trustDomain | quote }}
{{- if .Values.agent.insecureBootstrap }}
      insecure_bootstrap = true
{{- else }}
      trust_bundle_path = "/run/lanyard/bundle/bundle.crt"
{{- end }}
    }

    plugins {
      NodeAttestor "k8s_psat" {
        plugin_data {
          cluster = {{ .Values.clusterName | quote }}
          token_path = "/var/run/secrets/tokens/spire-agent"
        }
      }

      KeyManager "memory" {
        plugin_data {}
      }

      WorkloadAttestor "k8s" {
        plugin_data {
{{- if .Values.agent.skipKubeletVerification }}
          skip_kubelet_verification = true
{{- else }}
          kubelet_ca_path = {{ .Values.agent.kubeletCaPath | quote }}
{{- end }}
          node_name_env = "MY_NODE_NAME"
        }
      }

      WorkloadAttestor "unix" {
        plugin_data {}
      }
    }

    health_checks {
      listener_enabled = true
      bind_address = "0.0.0.0"
      bind_port = {{ .Values.agent.healthPort }}
      live_path = "/live"
      ready_path = "/ready"
    }
