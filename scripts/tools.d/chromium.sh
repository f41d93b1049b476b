# shellcheck shell=bash
# Chromium from Debian's package, for the browser tests (playwright-core drives it; it never
# downloads a browser of its own). Sourced by scripts/tools. Needs apt-get (Debian or Ubuntu).

chromium_path() { printf '%s\n' /usr/bin/chromium; }

chromium_install() {
  [[ -x "$(chromium_path)" ]] && return 0
  local started=$SECONDS
  say "chromium: installing Debian's chromium with apt-get"
  apt_install chromium
  say "chromium: installed $("$(chromium_path)" --version 2>/dev/null) in $((SECONDS - started))s"
}
