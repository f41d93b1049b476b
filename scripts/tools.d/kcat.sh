# shellcheck shell=bash
# kcat from Debian's package, for the interoperability test: a librdkafka reader that is not
# ours. Sourced by scripts/tools. Needs apt-get (Debian or Ubuntu).

kcat_path() { printf '%s\n' /usr/bin/kcat; }

kcat_install() {
  [[ -x "$(kcat_path)" ]] && return 0
  need apt-get "install Debian's kcat package with your system's package manager"
  local sudo=()
  ((EUID == 0)) || { need sudo "run as root, or install Debian's kcat yourself"; sudo=(sudo); }
  local started=$SECONDS
  say "kcat: installing Debian's kcat with apt-get"
  if ! DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends kcat >&2; then
    # A fresh machine may have no package lists yet.
    say "kcat: install failed; running apt-get update and trying once more"
    "${sudo[@]}" apt-get update -qq >&2 || die "kcat: apt-get update failed"
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends kcat >&2 ||
      die "kcat: apt-get install kcat failed"
  fi
  say "kcat: installed $("$(kcat_path)" -V 2>/dev/null | grep -o "Version [0-9.]*") in $((SECONDS - started))s"
}
