apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: {{ .Release.Name }}-agent
  namespace: {{ .Release.Namespace }}
  labels:
    app.kubernetes.io/name: lanyard-agent
    app.kubernetes.io/instance: {{ .Release.Name }}
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: lanyard-agent
      app.kubernetes.io/instance: {{ .Release.Name }}
  template:
    metadata:
      labels:
        app.kubernetes.io/name: lanyard-agent
        app.kubernetes.io/instance: {{ .Release.Name }}
    spec:
      serviceAccountName: {{ .Release.Name }}-agent
      # hostPID: the agent reads /proc/<pid>/cgroup of workload processes on the node.
      hostPID: true
      # hostNetwork: the agent reaches the kubelet on the node.
      hostNetwork: true
      dnsPolicy: ClusterFirstWithHostNet
      containers:
        - name: lanyard-agent
          image: {{ .Values.image.agent | quote }}
          imagePullPolicy: {{ .Values.image.pullPolicy }}
          args: ['run', '-config', '/run/lanyard/config/agent.conf']
          env:
            - name: MY_NODE_NAME
              valueFrom:
                fieldRef:
                  fieldPath: spec.nodeName
          ports:
            - name: health
              containerPort: {{ .Values.agent.healthPort }}
          livenessProbe:
            httpGet:
              path: /live
              port: health
            initialDelaySeconds: 15
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
              cpu: {{ .Values.agent.resources.cpu | quote }}
              memory: {{ .Values.agent.resources.memory | quote }}
            limits:
              memory: {{ .Values.agent.resources.memoryLimit | quote }}
          # Root in the container so the agent can read other processes' /proc entries; no extra capabilities.
          securityContext:
            runAsUser: 0
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: ['ALL']
              add: ['DAC_READ_SEARCH', 'SYS_PTRACE']
          volumeMounts:
            - name: config
              mountPath: /run/lanyard/config
              readOnly: true
            - name: bundle
              mountPath: /run/lanyard/bundle
              readOnly: true
            - name: agent-sockets
              mountPath: /run/lanyard/sockets
            - name: agent-data
              mountPath: /run/lanyard/agent
            - name: spire-agent-token
              mountPath: /var/run/secrets/tokens
              readOnly: true
      volumes:
        - name: config
          configMap:
            name: {{ .Release.Name }}-agent
        - name: bundle
          configMap:
            name: {{ .Release.Name }}-bundle
        - name: agent-sockets
          hostPath:
            path: {{ .Values.agent.socketDir }}
            type: DirectoryOrCreate
        - name: agent-data
          emptyDir: {}
        # The projected token k8s_psat sends; its audience must match the server's k8s_psat audience.
        - name: spire-agent-token
          projected:
            sources:
              - serviceAccountToken:
                  path: spire-agent
                  expirationSeconds: 7200
                  audience: {{ .Values.agent.tokenAudience | quote }}
