# shellcheck shell=bash
# kcat from Debian's package, for the interoperability test: a librdkafka reader that is not
# ours. Sourced by scripts/tools. Needs apt-get (Debian or Ubuntu).

kcat_path() { printf '%s\n' /usr/bin/kcat; }

kcat_install() {
  [[ -x "$(kcat_path)" ]] && return 0
  local started=$SECONDS
  say "kcat: installing Debian's kcat with apt-get"
  apt_install kcat
  say "kcat: installed $("$(kcat_path)" -V 2>/dev/null | grep -o "Version [0-9.]*") in $((SECONDS - started))s"
}
