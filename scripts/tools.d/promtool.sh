# shellcheck shell=bash
# promtool, taken out of Debian's prometheus package: downloaded with apt-get and unpacked, not
# installed, so no daemon is set up or started and nothing lands outside the cache.
# Sourced by scripts/tools. Needs apt-get and dpkg-deb (Debian or Ubuntu).

_promtool_dir() { printf '%s\n' "$GS_TOOLS/promtool-debian"; }
promtool_path() { printf '%s\n' "$(_promtool_dir)/promtool"; }

promtool_install() {
  [[ -x "$(promtool_path)" ]] && return 0
  need apt-get "promtool comes from Debian's prometheus package; on another system put promtool at $(promtool_path)"
  need dpkg-deb "install dpkg"
  local dir tmp started=$SECONDS
  dir="$(_promtool_dir)"
  tmp="$(mktemp -d)"
  # apt downloads as its own user when that user can write the folder (else it warns).
  chown _apt "$tmp" 2>/dev/null || true
  say "promtool: downloading Debian's prometheus package"
  if ! (cd "$tmp" && apt-get download -q prometheus >&2); then
    # A fresh machine may have no package lists yet.
    say "promtool: download failed; running apt-get update and trying once more"
    apt_update || die "promtool: apt-get update failed; see the output above"
    (cd "$tmp" && apt-get download -q prometheus >&2) || die "promtool: apt-get download prometheus failed; see the output above"
  fi
  mkdir -p "$tmp/root" "$dir"
  # Only promtool (48 MB); the server binary beside it is not needed.
  dpkg-deb --fsys-tarfile "$tmp"/prometheus_*.deb | tar -x -C "$tmp/root" ./usr/bin/promtool ||
    die "promtool: could not unpack usr/bin/promtool from the prometheus package"
  mv -f "$tmp/root/usr/bin/promtool" "$(promtool_path)"
  rm -rf "$tmp"
  say "promtool: installed $("$(promtool_path)" --version 2>&1 | head -1) in $((SECONDS - started))s"
}
