{{/* Names: "<release>-labhub" unless fullnameOverride; the components append -hub, -proxy... */}}
{{- define "labhub.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "labhub.hub.name" -}}{{ include "labhub.fullname" . }}-hub{{- end -}}
{{- define "labhub.proxy.name" -}}{{ include "labhub.fullname" . }}-proxy{{- end -}}
{{- define "labhub.proxyApi.name" -}}{{ include "labhub.fullname" . }}-proxy-api{{- end -}}
{{- define "labhub.proxyPublic.name" -}}{{ include "labhub.fullname" . }}-proxy-public{{- end -}}
{{- define "labhub.hub.serviceAccount" -}}
{{- if .Values.hub.serviceAccount.name -}}{{ .Values.hub.serviceAccount.name }}{{- else -}}{{ include "labhub.hub.name" . }}{{- end -}}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "hub") */}}
{{- define "labhub.selectorLabels" -}}
app.kubernetes.io/name: {{ default .root.Chart.Name .root.Values.nameOverride }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "labhub.labels" -}}
{{ include "labhub.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "labhub.image" -}}
{{- $tag := .image.tag | default .root.Chart.AppVersion -}}
{{- printf "%s:%s" .image.name $tag -}}
{{- end -}}

{{- define "labhub.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The hub's internal URL, reachable from user pods in any namespace. */}}
{{- define "labhub.hub.url" -}}
http://{{ include "labhub.hub.name" . }}.{{ .Release.Namespace }}.svc:{{ .Values.hub.service.port }}
{{- end -}}

{{/* Refuses Z2JH features labhub does not have, instead of ignoring them. */}}
{{- define "labhub.validate" -}}
{{- $v := .Values -}}
{{- if $v.hub.extraConfig -}}
{{- fail "hub.extraConfig holds Python code, which labhub does not run: put the settings it makes into hub.config (same JupyterHub class and trait names), or custom code into a JS module (docs/kubernetes.md, \"The chart\")" -}}
{{- end -}}
{{- if $v.ingress.enabled -}}
{{- fail "ingress.enabled: the labhub chart has no Ingress yet; use proxy.service (LoadBalancer or NodePort) with proxy.https, or write your own Ingress to the proxy-public Service" -}}
{{- end -}}
{{- if or $v.prePuller.hook.enabled $v.prePuller.continuous.enabled -}}
{{- fail "prePuller: the labhub chart has no image pre-puller yet; set prePuller.hook.enabled and prePuller.continuous.enabled to false" -}}
{{- end -}}
{{- if or $v.scheduling.userScheduler.enabled $v.scheduling.userPlaceholder.enabled -}}
{{- fail "scheduling.userScheduler/userPlaceholder: not provided by the labhub chart yet; set them to false (user pods use the default scheduler)" -}}
{{- end -}}
{{- if and $v.proxy.https.enabled (not (has $v.proxy.https.type (list "secret" "manual" "offload"))) -}}
{{- fail (printf "proxy.https.type %q is not supported by the labhub chart: use secret (an existing TLS Secret), manual (key and cert in values) or offload (TLS at the load balancer); letsencrypt is not built yet" $v.proxy.https.type) -}}
{{- end -}}
{{- if and $v.proxy.https.enabled (eq $v.proxy.https.type "secret") (not $v.proxy.https.secret.name) -}}
{{- fail "proxy.https.type secret needs proxy.https.secret.name (a Secret holding the key and certificate)" -}}
{{- end -}}
{{- if and $v.proxy.https.enabled (eq $v.proxy.https.type "manual") (or (not $v.proxy.https.manual.key) (not $v.proxy.https.manual.cert)) -}}
{{- fail "proxy.https.type manual needs proxy.https.manual.key and proxy.https.manual.cert (PEM)" -}}
{{- end -}}
{{- if not (has $v.hub.db.type (list "sqlite-pvc" "sqlite-memory" "postgres")) -}}
{{- fail (printf "hub.db.type %q: labhub supports sqlite-pvc, sqlite-memory and postgres" $v.hub.db.type) -}}
{{- end -}}
{{- if eq $v.hub.db.type "postgres" -}}
{{- if not (regexMatch "^postgres(ql)?://" $v.hub.db.url) -}}
{{- fail "hub.db.type postgres needs hub.db.url = postgresql://user@host:5432/dbname" -}}
{{- end -}}
{{- if regexMatch "^postgres(ql)?://[^/@]*:[^/@]*@" $v.hub.db.url -}}
{{- fail "hub.db.url holds a password: put it in hub.db.password or hub.db.passwordSecret (it reaches the hub as PGPASSWORD)" -}}
{{- end -}}
{{- end -}}
{{- if not (has $v.singleuser.storage.type (list "dynamic" "static" "none")) -}}
{{- fail (printf "singleuser.storage.type %q: expected dynamic, static or none" $v.singleuser.storage.type) -}}
{{- end -}}
{{- if and (eq $v.singleuser.storage.type "static") (not $v.singleuser.storage.static.pvcName) -}}
{{- fail "singleuser.storage.type static needs singleuser.storage.static.pvcName" -}}
{{- end -}}
{{- end -}}

{{/* A generated secret that survives upgrades: (dict "root" $ "key" "proxy.token" "value" <set value>) */}}
{{- define "labhub.secretValue" -}}
{{- if .value -}}
{{- .value -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace (include "labhub.hub.name" .root) -}}
{{- if and $existing (hasKey $existing.data .key) -}}
{{- index $existing.data .key | b64dec -}}
{{- else if eq .key "hub.cookie-secret" -}}
{{- randBytes 32 | b64dec | printf "%x" | trunc 64 -}}
{{- else -}}
{{- randAlphaNum 64 -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* KubeSpawner settings derived from singleuser.* (as Z2JH's jupyterhub_config.py does). */}}
{{- define "labhub.kubeSpawner" -}}
{{- $s := .Values.singleuser -}}
{{- $k := dict "namespace" .Release.Namespace -}}
{{- $_ := set $k "image" (printf "%s:%s" $s.image.name (toString $s.image.tag)) -}}
{{- if $s.image.pullPolicy }}{{ $_ := set $k "image_pull_policy" $s.image.pullPolicy }}{{ end -}}
{{- $pullSecrets := concat (.Values.imagePullSecrets | default list) ($s.image.pullSecrets | default list) -}}
{{- if $pullSecrets }}{{ $_ := set $k "image_pull_secrets" $pullSecrets }}{{ end -}}
{{- $_ := set $k "cmd" (kindIs "slice" $s.cmd | ternary $s.cmd (list $s.cmd)) -}}
{{- if $s.defaultUrl }}{{ $_ := set $k "default_url" $s.defaultUrl }}{{ end -}}
{{- if $s.workingDir }}{{ $_ := set $k "working_dir" $s.workingDir }}{{ end -}}
{{- $_ := set $k "start_timeout" $s.startTimeout -}}
{{- if not (kindIs "invalid" $s.uid) }}{{ $_ := set $k "uid" $s.uid }}{{ end -}}
{{- if not (kindIs "invalid" $s.fsGid) }}{{ $_ := set $k "fs_gid" $s.fsGid }}{{ end -}}
{{- if $s.serviceAccountName }}{{ $_ := set $k "service_account" $s.serviceAccountName }}{{ end -}}
{{- if $s.cpu.limit }}{{ $_ := set $k "cpu_limit" $s.cpu.limit }}{{ end -}}
{{- if $s.cpu.guarantee }}{{ $_ := set $k "cpu_guarantee" $s.cpu.guarantee }}{{ end -}}
{{- if $s.memory.limit }}{{ $_ := set $k "mem_limit" $s.memory.limit }}{{ end -}}
{{- if $s.memory.guarantee }}{{ $_ := set $k "mem_guarantee" $s.memory.guarantee }}{{ end -}}
{{- if $s.extraResource.limits }}{{ $_ := set $k "extra_resource_limits" $s.extraResource.limits }}{{ end -}}
{{- if $s.extraResource.guarantees }}{{ $_ := set $k "extra_resource_guarantees" $s.extraResource.guarantees }}{{ end -}}
{{- if $s.nodeSelector }}{{ $_ := set $k "node_selector" $s.nodeSelector }}{{ end -}}
{{- if $s.extraTolerations }}{{ $_ := set $k "tolerations" $s.extraTolerations }}{{ end -}}
{{- if $s.extraNodeAffinity.required }}{{ $_ := set $k "node_affinity_required" $s.extraNodeAffinity.required }}{{ end -}}
{{- if $s.extraNodeAffinity.preferred }}{{ $_ := set $k "node_affinity_preferred" $s.extraNodeAffinity.preferred }}{{ end -}}
{{- $labels := merge (dict "release" .Release.Name) ($s.extraLabels | default dict) -}}
{{- $_ := set $k "extra_labels" $labels -}}
{{- if $s.extraAnnotations }}{{ $_ := set $k "extra_annotations" $s.extraAnnotations }}{{ end -}}
{{- if $s.extraEnv -}}
{{- $env := dict -}}
{{- range $name, $value := $s.extraEnv -}}
{{- if kindIs "map" $value }}{{ $_ := set $env $name (merge (dict "name" $name) $value) }}{{ else }}{{ $_ := set $env $name (toString $value) }}{{ end -}}
{{- end -}}
{{- $_ := set $k "environment" $env -}}
{{- end -}}
{{- if $s.lifecycleHooks }}{{ $_ := set $k "lifecycle_hooks" $s.lifecycleHooks }}{{ end -}}
{{- if $s.initContainers }}{{ $_ := set $k "init_containers" $s.initContainers }}{{ end -}}
{{- if $s.extraContainers }}{{ $_ := set $k "extra_containers" $s.extraContainers }}{{ end -}}
{{- if $s.extraPodConfig }}{{ $_ := set $k "extra_pod_config" $s.extraPodConfig }}{{ end -}}
{{- if $s.profileList }}{{ $_ := set $k "profile_list" $s.profileList }}{{ end -}}
{{- $volumes := list -}}
{{- $mounts := list -}}
{{- if eq $s.storage.type "dynamic" -}}
{{- $_ := set $k "storage_pvc_ensure" true -}}
{{- $_ := set $k "pvc_name_template" $s.storage.dynamic.pvcNameTemplate -}}
{{- $_ := set $k "storage_capacity" $s.storage.capacity -}}
{{- if $s.storage.dynamic.storageClass }}{{ $_ := set $k "storage_class" $s.storage.dynamic.storageClass }}{{ end -}}
{{- $_ := set $k "storage_access_modes" $s.storage.dynamic.storageAccessModes -}}
{{- $volumes = append $volumes (dict "name" $s.storage.dynamic.volumeNameTemplate "persistentVolumeClaim" (dict "claimName" "{pvc_name}")) -}}
{{- $mounts = append $mounts (dict "name" $s.storage.dynamic.volumeNameTemplate "mountPath" $s.storage.homeMountPath) -}}
{{- else if eq $s.storage.type "static" -}}
{{- $volumes = append $volumes (dict "name" "home" "persistentVolumeClaim" (dict "claimName" $s.storage.static.pvcName)) -}}
{{- $mounts = append $mounts (dict "name" "home" "mountPath" $s.storage.homeMountPath "subPath" $s.storage.static.subPath) -}}
{{- end -}}
{{- $volumes = concat $volumes ($s.storage.extraVolumes | default list) -}}
{{- $mounts = concat $mounts ($s.storage.extraVolumeMounts | default list) -}}
{{- if $volumes }}{{ $_ := set $k "volumes" $volumes }}{{ end -}}
{{- if $mounts }}{{ $_ := set $k "volume_mounts" $mounts }}{{ end -}}
{{- toYaml $k -}}
{{- end -}}

{{/* The hub's labhub.yaml: what the chart derives, then hub.config on top (hub.config wins). */}}
{{- define "labhub.hubConfig" -}}
{{- $v := .Values -}}
{{- $jh := dict "hub_ip" "0.0.0.0" "hub_port" ($v.hub.service.port | int) "hub_connect_url" (include "labhub.hub.url" .) "spawner_class" "kubernetes" "base_url" $v.hub.baseUrl "allow_named_servers" $v.hub.allowNamedServers "concurrent_spawn_limit" ($v.hub.concurrentSpawnLimit | int) "shutdown_on_logout" $v.hub.shutdownOnLogout -}}
{{- if not (kindIs "invalid" $v.hub.namedServerLimitPerUser) }}{{ $_ := set $jh "named_server_limit_per_user" ($v.hub.namedServerLimitPerUser | int) }}{{ end -}}
{{- if not (kindIs "invalid" $v.hub.activeServerLimit) }}{{ $_ := set $jh "active_server_limit" ($v.hub.activeServerLimit | int) }}{{ end -}}
{{- if eq $v.hub.db.type "sqlite-pvc" }}{{ $_ := set $jh "db_url" "sqlite:////srv/labhub/labhub.sqlite" }}{{ end -}}
{{- if eq $v.hub.db.type "sqlite-memory" }}{{ $_ := set $jh "db_url" "sqlite://" }}{{ end -}}
{{- if eq $v.hub.db.type "postgres" }}{{ $_ := set $jh "db_url" $v.hub.db.url }}{{ end -}}
{{- if $v.hub.services -}}
{{- $services := list -}}
{{- range $name, $svc := $v.hub.services -}}
{{- $one := dict "name" $name -}}
{{- range $key, $value := $svc -}}
{{- if eq $key "apiToken" }}{{ $_ := set $one "api_token" $value }}{{ else if ne $key "name" }}{{ $_ := set $one $key $value }}{{ end -}}
{{- end -}}
{{- $services = append $services $one -}}
{{- end -}}
{{- $_ := set $jh "services" $services -}}
{{- end -}}
{{- if $v.hub.loadRoles -}}
{{- $roles := list -}}
{{- range $name, $role := $v.hub.loadRoles -}}
{{- $roles = append $roles (merge (dict "name" $name) $role) -}}
{{- end -}}
{{- $_ := set $jh "load_roles" $roles -}}
{{- end -}}
{{- $proxy := dict "should_start" false "api_url" (printf "http://%s.%s.svc:8001" (include "labhub.proxyApi.name" .) .Release.Namespace) -}}
{{- $culler := dict "enabled" $v.cull.enabled "timeout" ($v.cull.timeout | int) "interval" ($v.cull.every | int) "max_age" ($v.cull.maxAge | int) "cull_users" $v.cull.users -}}
{{- $base := dict "JupyterHub" $jh "ConfigurableHTTPProxy" $proxy "KubeSpawner" (include "labhub.kubeSpawner" . | fromYaml) "Labhub" (dict "idle_culler" $culler) -}}
{{- toYaml (mergeOverwrite $base (deepCopy ($v.hub.config | default dict))) -}}
{{- end -}}

