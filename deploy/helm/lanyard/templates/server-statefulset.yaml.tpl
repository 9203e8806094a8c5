apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: {{ .Release.Name }}-server
  namespace: {{ .Release.Namespace }}
  labels:
    app.kubernetes.io/name: lanyard-server
    app.kubernetes.io/instance: {{ .Release.Name }}
spec:
  serviceName: {{ .Release.Name }}-server
  replicas: 1
  selector:
    matchLabels:
      app.kubernetes.io/name: lanyard-server
      app.kubernetes.io/instance: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: lanyard-server
        app.kubernetes.io/instance: {{ .Release.Name }}
    spec:
      serviceAccountName: {{ .Release.Name }}-server
      securityContext:
        runAsNonRoot: true
        runAsUser: 1000
        runAsGroup: 1000
        fsGroup: 1000
      containers:
        - name: lanyard-server
          image: {{ .Values.image.server | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          args: ['run', '-config', '/run/lanyard/config/server.conf', '-expandEnv']
{{- if .Values.server.postgres.enabled }}
          env:
            - name: LANYARD_POSTGRES_CONNECTION_STRING
              valueFrom:
                secretKeyRef:
                  name: {{ .Values.server.postgres.secretName }}
                  key: {{ .Values.server.postgres.secretKey }}
{{- end }}
          ports:
            - name: grpc
              containerPort: {{ .Values.server.port }}
            - name: health
              containerPort: {{ .Values.server.healthPort }}
          livenessProbe:
            httpGet:
              path: /live
              port: health
            initialDelaySeconds: 10
            periodSeconds: 30
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /ready
              port: health
            initialDelaySeconds: 5
            periodSeconds: 10
          resources:
            requests:
              cpu: {{ .Values.server.resources.cpu | quote }}
              memory: {{ .Values.server.resources.memory | quote }}
            limits:
              memory: {{ .Values.server.resources.memoryLimit | quote }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ['ALL']
          volumeMounts:
            - name: config
              mountPath: /run/lanyard/config
              readOnly: true
            - name: data
              mountPath: /run/lanyard/data
            - name: admin-socket
              mountPath: /tmp/lanyard-server
{{- if .Values.oidcDiscovery.enabled }}
        - name: lanyard-oidc-discovery
          image: {{ .Values.image.server | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          command: ['node', '/opt/lanyard/oidc-discovery/dist/cli/main.js']
          args: ['-config', '/run/lanyard/oidc-config/oidc-discovery-provider.conf']
          ports:
            - name: oidc
              containerPort: {{ .Values.oidcDiscovery.port }}
          readinessProbe:
            httpGet:
              path: /keys
              port: oidc
              httpHeaders:
                - name: Host
                  value: {{ .Values.oidcDiscovery.domain | quote }}
            initialDelaySeconds: 5
            periodSeconds: 10
          livenessProbe:
            httpGet:
              path: /.well-known/openid-configuration
              port: oidc
              httpHeaders:
                - name: Host
                  value: {{ .Values.oidcDiscovery.domain | quote }}
            initialDelaySeconds: 10
            periodSeconds: 30
            failureThreshold: 3
          resources:
            requests:
              cpu: {{ .Values.oidcDiscovery.resources.cpu | quote }}
              memory: {{ .Values.oidcDiscovery.resources.memory | quote }}
            limits:
              memory: {{ .Values.oidcDiscovery.resources.memoryLimit | quote }}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ['ALL']
          volumeMounts:
            - name: oidc-config
              mountPath: /run/lanyard/oidc-config
              readOnly: true
            - name: admin-socket
              mountPath: /tmp/lanyard-server
              readOnly: true
{{- end }}
      volumes:
        - name: config
          configMap:
            name: {{ .Release.Name }}-server
{{- if .Values.oidcDiscovery.enabled }}
        - name: oidc-config
          configMap:
            name: {{ .Release.Name }}-oidc-discovery
{{- end }}
        - name: admin-socket
          emptyDir: {}
  volumeClaimTemplates:
    - metadata:
        name: data
      spec:
        accessModes: ['ReadWriteOnce']
        resources:
          requests:
            storage: {{ .Values.server.storageSize }}
