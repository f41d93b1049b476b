# Shared settings of the project's shell scripts; sourced, never run.
# Everything installed or started lives outside the work tree, under GRIDSTREAM_CACHE,
# so fresh clones and CI reuse it and an empty cache means a rebuild from nothing.

GS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
GS_SCRIPTS="$GS_ROOT/scripts"
GS_CACHE="${GRIDSTREAM_CACHE:-$HOME/.cache/gridstream}"
GS_STATE="${GRIDSTREAM_STATE:-$GS_CACHE/state}"
GS_M2="$GS_CACHE/m2"
export GS_ROOT GS_SCRIPTS GS_CACHE GS_STATE GS_M2

say() { printf '[gridstream] %s\n' "$*" >&2; }
die() { printf '[gridstream] error: %s\n' "$*" >&2; exit 1; }

# need TOOL FIX: stop with a message naming the missing tool and how to get it.
need() {
  command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH; $2"
}

# A port setting must be a number, or every later message is confusing.
port_var() {
  local name="$1" default="$2" value="${!1:-$2}"
  [[ "$value" =~ ^[0-9]+$ ]] && ((value > 0 && value < 65536)) ||
    die "$name: expected a TCP port (1-65535), got \"$value\"; e.g. $name=$default"
  printf '%s' "$value"
}

# Installs pnpm at the version package.json pins (packageManager) into the cache,
# then the workspace's packages; prints the pnpm path.
ensure_pnpm() {
  need node "install Node.js 20 or newer"
  need npm "install npm (it comes with Node.js)"
  local version
  version="$(node -p "require('$GS_ROOT/package.json').packageManager.split('@')[1]")"
  local prefix="$GS_CACHE/tools/pnpm-$version"
  if [[ ! -x "$prefix/node_modules/.bin/pnpm" ]]; then
    say "pnpm: installing $version into $prefix"
    npm install --silent --no-audit --no-fund --prefix "$prefix" "pnpm@$version" >&2 ||
      die "pnpm: npm could not install pnpm@$version; check that the npm registry is reachable"
  fi
  printf '%s' "$prefix/node_modules/.bin/pnpm"
}

ensure_workspace() {
  local pnpm
  pnpm="$(ensure_pnpm)"
  export npm_config_store_dir="$GS_CACHE/pnpm-store"
  local frozen=()
  [[ -f "$GS_ROOT/pnpm-lock.yaml" ]] && frozen=(--frozen-lockfile)
  (cd "$GS_ROOT" && "$pnpm" install --reporter=append-only --config.confirmModulesPurge=false "${frozen[@]}" >&2) ||
    die "pnpm install failed; see the output above"
  printf '%s' "$pnpm"
}

# apt_install PACKAGE: installs a Debian package (with sudo unless root), running apt-get update
# once when the first try fails (a fresh machine may have no package lists yet).
apt_install() {
  local package="$1" sudo=()
  need apt-get "install Debian's $package package with your system's package manager"
  ((EUID == 0)) || { need sudo "run as root, or install Debian's $package yourself"; sudo=(sudo); }
  local install=("${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$package")
  "${install[@]}" >&2 && return 0
  say "$package: apt-get install failed; running apt-get update and trying once more"
  "${sudo[@]}" apt-get update -qq >&2 || die "$package: apt-get update failed"
  "${install[@]}" >&2 || die "$package: apt-get install $package failed"
}

# apt_update: apt-get update with sudo unless root.
apt_update() {
  local sudo=()
  ((EUID == 0)) || { need sudo "run as root, or run apt-get update yourself"; sudo=(sudo); }
  "${sudo[@]}" apt-get update -qq >&2
}
