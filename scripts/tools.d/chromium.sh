# shellcheck shell=bash
# Chromium from Debian's package, for the browser tests (playwright-core drives it; it never
# downloads a browser of its own). Sourced by scripts/tools. Needs apt-get (Debian or Ubuntu).

chromium_path() { printf '%s\n' /usr/bin/chromium; }

chromium_install() {
  [[ -x "$(chromium_path)" ]] && return 0
  need apt-get "install Debian's chromium package with your system's package manager"
  local sudo=()
  ((EUID == 0)) || { need sudo "run as root, or install Debian's chromium yourself"; sudo=(sudo); }
  local started=$SECONDS
  say "chromium: installing Debian's chromium with apt-get"
  "${sudo[@]}" apt-get update -qq >&2 || die "chromium: apt-get update failed"
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends chromium >&2 ||
    die "chromium: apt-get install chromium failed"
  say "chromium: installed $("$(chromium_path)" --version 2>/dev/null) in $((SECONDS - started))s"
}
