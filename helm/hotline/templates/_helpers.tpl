{{/* Names and labels. */}}
{{- define "hotline.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hotline.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "hotline.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "hotline.selectorLabels" -}}
app.kubernetes.io/name: {{ include "hotline.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "hotline.labels" -}}
helm.sh/chart: {{ include "hotline.chart" . }}
{{ include "hotline.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: hotline
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Labels of one component: (dict "ctx" $ "component" "api"). */}}
{{- define "hotline.componentLabels" -}}
{{ include "hotline.labels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "hotline.componentSelector" -}}
{{ include "hotline.selectorLabels" .ctx }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "hotline.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "hotline.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "hotline.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The Secret holding the secret keys (refs with an empty name). */}}
{{- define "hotline.secretName" -}}
{{- default (include "hotline.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{/*
Configuration. Keys are the service's file keys (`hotline-api config`); the variable of key k
is HOTLINE_<K>. Secret keys never go through a ConfigMap, and the keys the chart decides
(bind, run_migrations, worker_embedded, trust_proxy_headers) cannot be overridden by values.
*/}}
{{- define "hotline.secretKeys" -}}
database_url migration_database_url redis_url smtp_url jwt_keys pii_key bootstrap_password demo_password metrics_token
{{- end -}}

{{- define "hotline.chartKeys" -}}
bind run_migrations worker_embedded trust_proxy_headers
{{- end -}}

{{/* Checks a map of configuration keys: (dict "where" "config" "keys" .Values.config). */}}
{{- define "hotline.checkKeys" -}}
{{- $secret := splitList " " (include "hotline.secretKeys" .) -}}
{{- $chart := splitList " " (include "hotline.chartKeys" .) -}}
{{- range $k, $v := .keys -}}
{{- if not (regexMatch "^[a-z][a-z0-9_]*$" $k) -}}
{{- fail (printf "%s.%s: configuration keys are the file keys of `hotline-api config`, in lower case (e.g. log_level)" $.where $k) -}}
{{- end -}}
{{- if has $k $secret -}}
{{- fail (printf "%s.%s is a secret: put it in the Secret (see secrets.refs), not in a ConfigMap" $.where $k) -}}
{{- end -}}
{{- if has $k $chart -}}
{{- fail (printf "%s.%s is set by the chart (bind: api.port; run_migrations: migrations; worker_embedded: worker.enabled; trust_proxy_headers: api.trustProxyHeaders)" $.where $k) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A value as an environment string (YAML numbers arrive as float64). */}}
{{- define "hotline.envValue" -}}
{{- if kindIs "float64" . -}}
{{- if eq (float64 (int64 .)) . -}}{{ int64 . }}{{- else -}}{{ . }}{{- end -}}
{{- else -}}
{{- toString . -}}
{{- end -}}
{{- end -}}

{{/* The shared, non-secret configuration as variable: value lines (ConfigMap data). */}}
{{- define "hotline.sharedConfig" -}}
{{- include "hotline.checkKeys" (dict "where" "config" "keys" .Values.config) -}}
HOTLINE_RUN_MIGRATIONS: "false"
{{- range $k, $v := .Values.config }}
{{- if not (kindIs "invalid" $v) }}
{{ printf "HOTLINE_%s" (upper $k) }}: {{ include "hotline.envValue" $v | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Component configuration as env entries: (dict "ctx" $ "where" "api.config" "keys" .Values.api.config). */}}
{{- define "hotline.componentEnv" -}}
{{- include "hotline.checkKeys" (dict "where" .where "keys" .keys) -}}
{{- range $k, $v := .keys }}
{{- if not (kindIs "invalid" $v) }}
- name: {{ printf "HOTLINE_%s" (upper $k) }}
  value: {{ include "hotline.envValue" $v | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Secret keys as env entries from secretKeyRef: (dict "ctx" $ "secret" NAME "only" LIST).
Refs without a name read from NAME (default: hotline.secretName); "only" (optional) limits
the keys.
*/}}
{{- define "hotline.secretEnv" -}}
{{- $ctx := .ctx -}}
{{- $only := .only -}}
{{- $except := default (list) .except -}}
{{- $secret := default (include "hotline.secretName" $ctx) .secret -}}
{{- $known := splitList " " (include "hotline.secretKeys" $ctx) -}}
{{- range $k, $ref := $ctx.Values.secrets.refs }}
{{- if and $ref (or (not $only) (has $k $only)) (not (has $k $except)) }}
{{- if not (has $k $known) }}
{{- fail (printf "secrets.refs.%s is not a secret configuration key (%s)" $k (include "hotline.secretKeys" $ctx)) }}
{{- end }}
- name: {{ printf "HOTLINE_%s" (upper $k) }}
  valueFrom:
    secretKeyRef:
      name: {{ default $secret $ref.name }}
      key: {{ default $k $ref.key }}
      optional: {{ default false $ref.optional }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Pod-level settings every workload shares. */}}
{{- define "hotline.podCommon" -}}
{{- with .Values.imagePullSecrets -}}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{ end -}}
# Without this, every Service of the namespace named hotline-… would inject HOTLINE_…_PORT
# variables, which the service refuses as unknown configuration keys.
enableServiceLinks: false
automountServiceAccountToken: {{ .Values.automountServiceAccountToken }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end -}}

{{/* The writable /tmp of every container (the root filesystem is read-only). */}}
{{- define "hotline.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: {{ .Values.tmpSizeLimit }}
{{- end -}}

{{- define "hotline.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{/* Egress rules shared by all components: DNS, PostgreSQL, Redis, SMTP, then extra. */}}
{{- define "hotline.egressRules" -}}
{{- $e := .Values.networkPolicy.egress -}}
{{- $rules := list -}}
{{- range $name := list "dns" "postgresql" "redis" "smtp" -}}
{{- $rule := index $e $name -}}
{{- if $rule -}}
{{- $r := dict "ports" $rule.ports -}}
{{- if $rule.to -}}
{{- $_ := set $r "to" $rule.to -}}
{{- end -}}
{{- $rules = append $rules $r -}}
{{- end -}}
{{- end -}}
{{- toYaml (concat $rules (default (list) $e.extra)) -}}
{{- end -}}

{{/* stringData of the chart-made Secret: the non-empty secrets.values under their refs' keys. */}}
{{- define "hotline.secretData" -}}
{{- range $k, $val := .Values.secrets.values }}
{{- $ref := default (dict) (index $.Values.secrets.refs $k) }}
{{- if and $val (not $ref.name) }}
{{ default $k $ref.key }}: {{ $val | quote }}
{{- end }}
{{- end }}
{{- end -}}
