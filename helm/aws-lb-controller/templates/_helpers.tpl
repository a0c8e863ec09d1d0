{{/* Chart name, truncated to the 63 characters a label value may hold. */}}
{{- define "alb.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name of the release's objects. */}}
{{- define "alb.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Prefix for derived names (webhook, tls, ...), short enough for a suffix. */}}
{{- define "alb.namePrefix" -}}
{{- include "alb.fullname" . | trunc 36 | trimSuffix "-" }}
{{- end }}

{{- define "alb.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "alb.selectorLabels" -}}
app.kubernetes.io/name: {{ include "alb.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "alb.labels" -}}
helm.sh/chart: {{ include "alb.chart" . }}
{{ include "alb.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: controller
{{- with .Values.additionalLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "alb.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "alb.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The cluster name; rendering stops with a clear message when it is missing. */}}
{{- define "alb.clusterName" -}}
{{- required "clusterName is required: set it to the name of your EKS cluster (--set clusterName=<name>)" .Values.clusterName }}
{{- end }}

{{- define "alb.webhookService" -}}
{{- printf "%s-webhook-service" (include "alb.namePrefix" .) }}
{{- end }}

{{- define "alb.tlsSecret" -}}
{{- printf "%s-tls" (include "alb.namePrefix" .) }}
{{- end }}

{{- define "alb.ingressClassParamsName" -}}
{{- default .Values.ingressClass .Values.ingressClassParams.name }}
{{- end }}

{{/* key=value,... from a map, sorted by key. */}}
{{- define "alb.kvList" -}}
{{- $out := list }}
{{- range $k, $v := . }}
{{- $out = append $out (printf "%s=%v" $k $v) }}
{{- end }}
{{- join "," $out }}
{{- end }}

{{/*
Webhook serving certificate, generated once per render: a CA and a certificate for the webhook
Service's DNS names. Returns a dict {caCert, cert, key} (PEM). On upgrade, keepTLSSecret reuses
the Secret already in the cluster so the caBundle does not change on every `helm upgrade`.
*/}}
{{- define "alb.webhookCerts" -}}
{{- $svc := include "alb.webhookService" . }}
{{- $secretName := include "alb.tlsSecret" . }}
{{- $existing := dict }}
{{- if .Values.keepTLSSecret }}
{{- $existing = lookup "v1" "Secret" .Release.Namespace $secretName | default dict }}
{{- end }}
{{- if and .Values.webhookTLS.caCert .Values.webhookTLS.cert .Values.webhookTLS.key }}
caCert: {{ .Values.webhookTLS.caCert | b64enc }}
cert: {{ .Values.webhookTLS.cert | b64enc }}
key: {{ .Values.webhookTLS.key | b64enc }}
{{- else if and $existing $existing.data (index $existing.data "ca.crt") }}
caCert: {{ index $existing.data "ca.crt" }}
cert: {{ index $existing.data "tls.crt" }}
key: {{ index $existing.data "tls.key" }}
{{- else }}
{{- $altNames := list $svc (printf "%s.%s" $svc .Release.Namespace) (printf "%s.%s.svc" $svc .Release.Namespace) (printf "%s.%s.svc.%s" $svc .Release.Namespace .Values.cluster.dnsDomain) }}
{{- $ca := genCA (printf "%s-ca" (include "alb.namePrefix" .)) 3650 }}
{{- $cert := genSignedCert (printf "%s.%s.svc" $svc .Release.Namespace) nil $altNames 3650 $ca }}
caCert: {{ $ca.Cert | b64enc }}
cert: {{ $cert.Cert | b64enc }}
key: {{ $cert.Key | b64enc }}
{{- end }}
{{- end }}

{{/* clientConfig of a webhook: (dict "root" $ "certs" $certs "path" "/...") */}}
{{- define "alb.webhookClientConfig" }}
    clientConfig:
      {{- if not .root.Values.enableCertManager }}
      caBundle: {{ .certs.caCert }}
      {{- end }}
      service:
        name: {{ include "alb.webhookService" .root }}
        namespace: {{ .root.Release.Namespace }}
        path: {{ .path }}
        port: 443
{{- end }}
{{/* metadata of the webhook configurations (the CA comes from cert-manager when it issues the certificate) */}}
{{- define "alb.webhookMetadata" }}
metadata:
  name: {{ include "alb.namePrefix" . }}-webhook
  labels:
    {{- include "alb.labels" . | nindent 4 }}
  {{- if .Values.enableCertManager }}
  annotations:
    cert-manager.io/inject-ca-from: {{ .Release.Namespace }}/{{ include "alb.namePrefix" . }}-serving-cert
  {{- end }}
{{- end }}
