# shellcheck shell=bash
# kubeconform, built from its Go module, with the Kubernetes JSON schemas that the PyPI package
# kubernetes-validate ships. Its path is a wrapper that points -schema-location at those files,
# so it never downloads a schema. Sourced by scripts/tools. Needs go and python3 with pip.

GS_KUBECONFORM_VERSION=0.8.0
GS_K8S_SCHEMAS_VERSION=1.37.0 # kubernetes-validate's version is the Kubernetes version of its newest schemas

_kubeconform_dir() { printf '%s\n' "$GS_TOOLS/kubeconform-$GS_KUBECONFORM_VERSION-k8s-$GS_K8S_SCHEMAS_VERSION"; }
kubeconform_path() { printf '%s\n' "$(_kubeconform_dir)/kubeconform"; }

kubeconform_install() {
  [[ -x "$(kubeconform_path)" ]] && return 0
  need go "install Go 1.26 or newer"
  need python3 "install Python 3 with pip"
  local dir started=$SECONDS
  dir="$(_kubeconform_dir)"
  say "kubeconform: building $GS_KUBECONFORM_VERSION with go install; Kubernetes $GS_K8S_SCHEMAS_VERSION schemas from kubernetes-validate"
  rm -rf "$dir"
  mkdir -p "$dir/bin"
  GOBIN="$dir/bin" GOMODCACHE="$GS_CACHE/go/mod" GOCACHE="$GS_CACHE/go/build" \
    GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
    go install -trimpath -ldflags "-s -w" \
    "github.com/yannh/kubeconform/cmd/kubeconform@v$GS_KUBECONFORM_VERSION" >&2 ||
    die "kubeconform: go install failed; see the output above"

  local wheels="$GS_CACHE/build/kubernetes-validate-$GS_K8S_SCHEMAS_VERSION"
  python3 -m pip download --quiet --no-deps --only-binary=:all: --dest "$wheels" \
    "kubernetes-validate==$GS_K8S_SCHEMAS_VERSION" >&2 ||
    die "kubeconform: pip could not download kubernetes-validate==$GS_K8S_SCHEMAS_VERSION"
  # The wheel holds 13 Kubernetes versions (108 MB unpacked); keep one. Its schemas reference
  # "/api/_definitions.json" under an https $id, which kubeconform would fetch from the web, so
  # each kind becomes standalone, with just the definitions it reaches (also 8x less to parse).
  python3 - "$wheels"/kubernetes_validate-"$GS_K8S_SCHEMAS_VERSION"-*.whl "$dir/schemas" "v$GS_K8S_SCHEMAS_VERSION" <<'PY' ||
import json, pathlib, sys, zipfile
wheel, dest, version = sys.argv[1:]

def refs(node, found):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == '$ref' and isinstance(value, str) and '#/$defs/' in value:
                found.add(value.split('#/$defs/')[1])
            else:
                refs(value, found)
    elif isinstance(node, list):
        for value in node:
            refs(value, found)

with zipfile.ZipFile(wheel) as z:
    for variant, packaged in (('standalone', 'local'), ('standalone-strict', 'local-strict')):
        source = f'kubernetes_validate/kubernetes-json-schema/{version}-{packaged}/'
        definitions = json.loads(z.read(source + '_definitions.json'))['$defs']
        out = pathlib.Path(dest, f'{version}-{variant}')
        out.mkdir(parents=True)
        for name in z.namelist():
            if not name.startswith(source) or name.endswith('/_definitions.json'):
                continue
            schema = json.loads(z.read(name))
            if 'x-kubernetes-group-version-kind' not in schema:
                continue  # a part of a kind, never looked up by kubeconform
            schema.pop('$id')
            needed, todo = set(), set()
            refs(schema, todo)
            while todo:
                key = todo.pop()
                needed.add(key)
                refs(definitions[key], todo)
                todo -= needed
            schema['$defs'] = {key: definitions[key] for key in sorted(needed)}
            text = json.dumps(schema).replace('"/api/_definitions.json#/$defs/', '"#/$defs/')
            (out / name[len(source):]).write_text(text)
PY
    die "kubeconform: could not unpack the schemas of kubernetes-validate"
  [[ -f "$dir/schemas/v$GS_K8S_SCHEMAS_VERSION-standalone-strict/deployment-apps-v1.json" ]] ||
    die "kubeconform: kubernetes-validate $GS_K8S_SCHEMAS_VERSION has no v$GS_K8S_SCHEMAS_VERSION schemas"
  rm -rf "$wheels"

  # Written last: its presence means the install is complete. Flags given later override these.
  cat >"$dir/kubeconform.tmp" <<WRAPPER
#!/bin/sh
# kubeconform with local Kubernetes $GS_K8S_SCHEMAS_VERSION schemas only (never downloads one).
exec "$dir/bin/kubeconform" -kubernetes-version $GS_K8S_SCHEMAS_VERSION \\
  -schema-location '$dir/schemas/{{ .NormalizedKubernetesVersion }}-standalone{{ .StrictSuffix }}/{{ .ResourceKind }}{{ .KindSuffix }}.json' "\$@"
WRAPPER
  chmod +x "$dir/kubeconform.tmp"
  mv -f "$dir/kubeconform.tmp" "$dir/kubeconform"
  say "kubeconform: installed in $((SECONDS - started))s"
}
