{{- if .Values.oidcDiscovery.enabled }}
apiVersion: v1
kind: Service
metadata:
  name: {{ .Release.Name }}-oidc-discovery
  namespace: {{ .Release.Namespace }}
  labels:
    app.kubernetes.io/name: lanyard-oidc-discovery
    app.kubernetes.io/instance: {{ .Release.Name }}
spec:
  type: ClusterIP
  selector:
    app.kubernetes.io/name: lanyard-server
    app.kubernetes.io/instance: {{ .Release.Name }}
  ports:
    - name: http
      port: {{ .Values.oidcDiscovery.servicePort }}
      targetPort: oidc
      protocol: TCP
{{- end }}
