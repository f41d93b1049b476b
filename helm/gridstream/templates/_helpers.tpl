{{/* The release's name prefix; at most 40 characters, so "<prefix>-redis-sink-metrics" stays a valid 63-character name. */}}
{{- define "gridstream.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Selector labels of one service; call with (dict "root" $ "name" $name). */}}
{{- define "gridstream.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "gridstream.labels" -}}
{{ include "gridstream.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "gridstream.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-tokens" (include "gridstream.fullname" .)) -}}
{{- end -}}

{{/* The Secret key a service reads its token from, or nothing. */}}
{{- define "gridstream.tokenVariable" -}}
{{- get (dict "ingest" "INGEST_TOKEN" "influx-sink" "INFLUX_TOKEN") . -}}
{{- end -}}

{{/*
A service's ConfigMap data: the shared addresses, what the chart needs fixed in a container,
then its `env`. Call with (dict "root" $ "name" $name "service" $service).
*/}}
{{- define "gridstream.configData" -}}
{{- $values := .root.Values -}}
{{- $fixed := dict
  "KAFKA_BROKERS" $values.kafka.brokers
  "SCHEMA_REGISTRY_URL" $values.schemaRegistry.url
  "GRIDSTREAM_TOPIC_PREFIX" $values.topicPrefix
  "GRIDSTREAM_PARTITIONS" $values.partitions
  "GRIDSTREAM_OPS_HOST" "0.0.0.0"
  "GRIDSTREAM_OPS_PORT" $values.opsPort -}}
{{- if eq .name "ingest" }}
{{- $_ := set $fixed "INGEST_HTTP_HOST" "0.0.0.0" }}
{{- $_ := set $fixed "INGEST_HTTP_PORT" .service.http.port }}
{{- else if eq .name "redis-sink" }}
{{- $_ := set $fixed "REDIS_URL" $values.redis.url }}
{{- else if eq .name "influx-sink" }}
{{- $_ := set $fixed "INFLUX_URL" $values.influx.url }}
{{- $_ := set $fixed "INFLUX_ORG" $values.influx.org }}
{{- $_ := set $fixed "INFLUX_BUCKET" $values.influx.bucket }}
{{- end }}
{{- $env := .service.env | default dict }}
{{- range $key, $value := $env }}
{{- if or (hasKey $fixed $key) (hasSuffix "_TOKEN" $key) }}
{{- fail (printf "services.%s.env.%s: set by the chart (from the values of the same name, or secrets.* for tokens), not in env" $.name $key) }}
{{- end }}
{{- end }}
{{- range $key, $value := merge (deepCopy $env) $fixed }}
{{- /* Helm reads numbers as floats, and 604800000 would print as 6.048e+08. */}}
{{- if and (kindIs "float64" $value) (eq $value (floor $value)) }}
{{- $value = int64 $value }}
{{- end }}
{{ $key }}: {{ toString $value | quote }}
{{- end }}
{{- end -}}
