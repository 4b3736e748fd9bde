{{- define "keyward.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "keyward.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "keyward.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "keyward.check" -}}
{{- if not (has .Values.store (list "sqlite" "postgres")) -}}
{{- fail "store must be sqlite or postgres" -}}
{{- end -}}
{{- if and (eq .Values.store "postgres") (not .Values.postgres.existingSecret) -}}
{{- fail "store: postgres needs postgres.existingSecret, a Secret holding the database URL and the master key" -}}
{{- end -}}
{{- range $k, $v := .Values.config -}}
{{- if has $k (list "master-key" "root-secret-access-key" "database" "config") -}}
{{- fail (printf "config.%s: secrets and the database URL never go in values; use a Secret (postgres.existingSecret, masterKey.existingSecret)" $k) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.verifier.enabled (not .Values.verifier.tlsSecret) -}}
{{- fail "verifier.enabled needs verifier.tlsSecret (tls.crt, tls.key, ca.crt)" -}}
{{- end -}}
{{- end -}}

{{/* The pod, shared by the StatefulSet (SQLite) and the Deployment (PostgreSQL). */}}
{{- define "keyward.pod" -}}
metadata:
  labels:
    {{- include "keyward.selector" . | nindent 4 }}
  annotations:
    checksum/config: {{ include (print .Template.BasePath "/configmap.yaml") . | sha256sum }}
    {{- if .Values.metrics.enabled }}
    prometheus.io/scrape: "true"
    prometheus.io/port: {{ .Values.metrics.port | quote }}
    prometheus.io/path: /metrics
    {{- end }}
    {{- with .Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  automountServiceAccountToken: false
  securityContext:
    runAsNonRoot: true
    runAsUser: 65532
    runAsGroup: 65532
    fsGroup: 65532
    seccompProfile:
      type: RuntimeDefault
  containers:
    - name: keyward
      image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"
      imagePullPolicy: {{ .Values.image.pullPolicy }}
      args: ["serve", "--config", "/etc/keyward/keyward.yaml"]
      env:
        - name: KEYWARD_LISTEN
          value: "0.0.0.0:{{ .Values.service.port }}"
        - name: KEYWARD_DATA
          value: /var/lib/keyward
        {{- if .Values.metrics.enabled }}
        - name: KEYWARD_METRICS_LISTEN
          value: "0.0.0.0:{{ .Values.metrics.port }}"
        {{- end }}
        {{- if eq .Values.store "postgres" }}
        - name: KEYWARD_DATABASE_FILE
          value: /run/secrets/keyward/{{ .Values.postgres.databaseURLKey }}
        - name: KEYWARD_MASTER_KEY_FILE
          value: /run/secrets/keyward/{{ .Values.postgres.masterKeyKey }}
        {{- else if .Values.masterKey.existingSecret }}
        - name: KEYWARD_MASTER_KEY_FILE
          value: /run/secrets/keyward/{{ .Values.masterKey.key }}
        {{- end }}
        {{- if .Values.verifier.enabled }}
        - name: KEYWARD_VERIFIER_LISTEN
          value: "0.0.0.0:{{ .Values.verifier.port }}"
        - name: KEYWARD_VERIFIER_TLS_CERT
          value: /run/secrets/keyward-verifier/tls.crt
        - name: KEYWARD_VERIFIER_TLS_KEY
          value: /run/secrets/keyward-verifier/tls.key
        - name: KEYWARD_VERIFIER_CLIENT_CA
          value: /run/secrets/keyward-verifier/ca.crt
        {{- end }}
      ports:
        - name: http
          containerPort: {{ .Values.service.port }}
        {{- if .Values.metrics.enabled }}
        - name: metrics
          containerPort: {{ .Values.metrics.port }}
        {{- end }}
        {{- if .Values.verifier.enabled }}
        - name: verifier
          containerPort: {{ .Values.verifier.port }}
        {{- end }}
      livenessProbe:
        httpGet:
          path: /healthz
          port: http
        periodSeconds: 10
        failureThreshold: 3
      readinessProbe:
        httpGet:
          path: /readyz
          port: http
        periodSeconds: 5
        failureThreshold: 2
      startupProbe:
        httpGet:
          path: /healthz
          port: http
        periodSeconds: 2
        failureThreshold: 60
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities:
          drop: ["ALL"]
      resources:
        {{- toYaml .Values.resources | nindent 8 }}
      volumeMounts:
        - name: config
          mountPath: /etc/keyward
          readOnly: true
        - name: data
          mountPath: /var/lib/keyward
        - name: tmp
          mountPath: /tmp
        {{- if or (eq .Values.store "postgres") .Values.masterKey.existingSecret }}
        - name: secrets
          mountPath: /run/secrets/keyward
          readOnly: true
        {{- end }}
        {{- if .Values.verifier.enabled }}
        - name: verifier-tls
          mountPath: /run/secrets/keyward-verifier
          readOnly: true
        {{- end }}
  volumes:
    - name: config
      configMap:
        name: {{ include "keyward.fullname" . }}
    - name: tmp
      emptyDir: {}
    {{- if eq .Values.store "postgres" }}
    - name: data
      emptyDir: {}
    - name: secrets
      secret:
        secretName: {{ .Values.postgres.existingSecret }}
        defaultMode: 0400
    {{- else if .Values.masterKey.existingSecret }}
    - name: secrets
      secret:
        secretName: {{ .Values.masterKey.existingSecret }}
        defaultMode: 0400
    {{- end }}
    {{- if .Values.verifier.enabled }}
    - name: verifier-tls
      secret:
        secretName: {{ .Values.verifier.tlsSecret }}
        defaultMode: 0400
    {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}
