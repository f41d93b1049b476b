# shellcheck shell=bash
# helm, built from its Go module (the Go module proxy serves it; there is no other download).
# Sourced by scripts/tools. Needs go.

GS_HELM_VERSION=3.22.0

helm_path() { printf '%s\n' "$GS_TOOLS/helm-$GS_HELM_VERSION/helm"; }

helm_install() {
  [[ -x "$(helm_path)" ]] && return 0
  need go "install Go 1.26 or newer (helm 3.22's go.mod requires it)"
  say "helm: building $GS_HELM_VERSION with go install (cold: about 6 min on 2 cores)"
  local started=$SECONDS
  GOBIN="$GS_TOOLS/helm-$GS_HELM_VERSION" GOMODCACHE="$GS_CACHE/go/mod" GOCACHE="$GS_CACHE/go/build" \
    GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
    go install -trimpath -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=v$GS_HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@v$GS_HELM_VERSION" >&2 ||
    die "helm: go install failed; see the output above"
  say "helm: installed in $((SECONDS - started))s"
}
