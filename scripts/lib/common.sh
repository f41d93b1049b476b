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

# pinned_venv_install LABEL DIR IMPORT_CHECK REQUIREMENT...: a Python venv at DIR with exactly
# these PyPI packages, installed without resolving (so a new release upstream cannot change what
# runs), then pip check and the Python code IMPORT_CHECK (pip check skips extras). Built beside
# its place and moved there when complete, so a broken install is never taken for a finished
# one. A venv's python works after the move; only launcher scripts in bin/ (unused) would not,
# and --no-compile leaves no stale paths in .pyc files.
pinned_venv_install() {
  local label="$1" dir="$2" import_check="$3" started=$SECONDS
  shift 3
  need python3 "install Python 3.10 or newer with pip and its venv module"
  say "$label: making a venv with $1"
  rm -rf "$dir.partial"
  # Without a pip of its own (seeding one takes 20 s); python3's pip installs into it.
  python3 -m venv --without-pip "$dir.partial" >&2 || die "$label: python3 -m venv failed (Debian: apt-get install python3-venv)"
  local pip=(python3 -m pip --python "$dir.partial/bin/python" --disable-pip-version-check)
  "${pip[@]}" install --quiet --no-compile --no-deps "$@" >&2 || die "$label: pip could not install $1; see the output above"
  { "${pip[@]}" check >&2 && "$dir.partial/bin/python" -c "$import_check"; } ||
    die "$label: the pinned requirements are incomplete for this Python; see the output above"
  rm -rf "$dir"
  mv "$dir.partial" "$dir"
  say "$label: installed in $((SECONDS - started))s"
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
