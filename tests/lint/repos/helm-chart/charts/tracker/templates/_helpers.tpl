{{- define "tracker.fullname" -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "tracker.labels" -}}
app.kubernetes.io/name: tracker
{{- end }}
