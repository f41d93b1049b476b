# shellcheck shell=bash
# InfluxDB 2.x (v2 HTTP API: /api/v2/write, Flux on /api/v2/query, /health) for the
# local stack. Sourced by scripts/stack.
#
# influxd is built from its Go module, without the UI, as a dependency of the tiny
# module in stack.d/influxdb/ (v2's go.mod has a replace directive, so a plain
# `go install .../cmd/influxd@v2.x` refuses). Flux's Rust library (libflux) is built
# by cargo, driven by InfluxData's pkg-config wrapper when cgo asks for `pkg-config flux`.
# Needs: go (>= the go line of stack.d/influxdb/go.mod), cargo/rustc (stable), gcc,
# pkg-config, curl. All caches live under $GS_CACHE.

GS_INFLUX_VERSION=2.8.0 # keep in step with stack.d/influxdb/go.mod
GS_INFLUX_PORT="$(port_var GRIDSTREAM_INFLUX_PORT 18086)"
GS_INFLUX_ORG="${GRIDSTREAM_INFLUX_ORG:-gridstream}"
GS_INFLUX_BUCKET="${GRIDSTREAM_INFLUX_BUCKET:-gridstream}"
# Local development only: fixed so that clients and tests can be configured without a lookup.
GS_INFLUX_TOKEN="${GRIDSTREAM_INFLUX_TOKEN:-gridstream-dev-token}"
GS_INFLUX_USER=gridstream
GS_INFLUX_PASSWORD=gridstream-dev-password
# A soft bound for the Go heap of the dev server.
GS_INFLUX_GOMEMLIMIT=512MiB

influxdb_bin() { printf '%s\n' "$GS_CACHE/influxdb-$GS_INFLUX_VERSION/influxd"; }
influxdb_url() { printf 'http://127.0.0.1:%s\n' "$GS_INFLUX_PORT"; }
influxdb_address() { printf '127.0.0.1:%s' "$GS_INFLUX_PORT"; }

# Runs "$@" with its output in $log, printing a progress line every 30 s.
_influxdb_run_logged() {
  local what=$1 log=$2 pid rc=0 t0=$SECONDS
  shift 2
  "$@" >>"$log" 2>&1 </dev/null &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    local i
    for ((i = 0; i < 30; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
    if kill -0 "$pid" 2>/dev/null; then
      say "influxdb: $what ... $((SECONDS - t0))s, $(wc -l <"$log") log lines ($log)"
    fi
  done
  wait "$pid" || rc=$?
  if [ "$rc" -ne 0 ]; then
    say "influxdb: $what FAILED (exit $rc); last lines of $log:"
    tail -n 40 "$log" >&2
    return "$rc"
  fi
  say "influxdb: $what done in $((SECONDS - t0))s"
}

influxdb_install() {
  local dest="$GS_CACHE/influxdb-$GS_INFLUX_VERSION"
  if [ -x "$dest/influxd" ]; then
    return 0
  fi
  need go "install Go 1.24 or newer"
  need cargo "install Rust with rustup"
  need gcc "apt-get install gcc"
  need pkg-config "apt-get install pkg-config"

  local build="$GS_CACHE/build/influxdb-$GS_INFLUX_VERSION"
  say "influxdb: building InfluxDB $GS_INFLUX_VERSION from source in $build (cold build: about 4 min on 2 cores)"
  rm -rf "$build"
  mkdir -p "$build/bin" "$GS_CACHE/go/mod" "$GS_CACHE/go/build" "$GS_CACHE/cargo"
  cp "$GS_SCRIPTS/stack.d/influxdb/go.mod" "$GS_SCRIPTS/stack.d/influxdb/go.sum" \
    "$GS_SCRIPTS/stack.d/influxdb/tools.go" "$build/"
  # rustc wrapper for the flux workspace crates only: their `strict` feature sets
  # #![deny(warnings)], and lints added to rustc since (mismatched_lifetime_syntaxes,
  # dead_code) would fail the build; cap them at warn (third-party code is untouched).
  cat >"$build/bin/rustc-cap-lints" <<'EOF'
#!/bin/sh
case " $* " in
  *" --crate-name "*) exec "$@" --cap-lints warn ;;
  *) exec "$@" ;;
esac
EOF
  chmod +x "$build/bin/rustc-cap-lints"

  (
    cd "$build"
    export GOMODCACHE="$GS_CACHE/go/mod" GOCACHE="$GS_CACHE/go/build" CARGO_HOME="$GS_CACHE/cargo"
    export GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" CGO_ENABLED=1
    # libflux pins Rust 1.72 in flux's rust-toolchain.toml, which rustup would try to
    # download (impossible here): build with the caller's or rustup's default toolchain.
    if [ -z "${RUSTUP_TOOLCHAIN:-}" ]; then
      RUSTUP_TOOLCHAIN=$(rustup default 2>/dev/null | awk 'NR == 1 { print $1 }') || true
      case "$RUSTUP_TOOLCHAIN" in "" | error*) RUSTUP_TOOLCHAIN=stable ;; esac
    fi
    export RUSTUP_TOOLCHAIN RUSTC_WORKSPACE_WRAPPER="$build/bin/rustc-cap-lints"
    export PKG_CONFIG="$build/bin/pkg-config"
    unset RUSTFLAGS CARGO_BUILD_TARGET GOOS GOARCH
    local pkg=github.com/influxdata/influxdb/v2/cmd/influxd
    local tags=sqlite_foreign_keys,sqlite_json # as upstream's GNUmakefile, minus `assets` (UI)

    _influxdb_run_logged "downloading Go modules" "$build/download.log" \
      go list -deps -tags "$tags" "$pkg" github.com/influxdata/pkg-config || exit
    _influxdb_run_logged "building InfluxData pkg-config wrapper" "$build/pkg-config-build.log" \
      go build -o "$build/bin/pkg-config" github.com/influxdata/pkg-config || exit
    # Builds libflux (cargo build --release; crates from the Rust registry) up front; the
    # go build below calls the wrapper again, which then finds cargo's work done.
    _influxdb_run_logged "building Flux's Rust library libflux (cargo)" "$build/libflux.log" \
      "$build/bin/pkg-config" --cflags -- flux || exit
    _influxdb_run_logged "compiling influxd (go build)" "$build/go-build.log" \
      go build -v -tags "$tags" -trimpath \
      -ldflags "-s -w -X main.version=v$GS_INFLUX_VERSION -X main.commit=gridstream-build" \
      -o "$build/influxd" "$pkg" || exit
  ) || return
  local version
  # (the env var keeps the linked-in Snowflake driver from creating ~/.cache/snowflake)
  version=$(SF_OCSP_RESPONSE_CACHE_SERVER_ENABLED=false "$build/influxd" version) || return
  mkdir -p "$dest"
  cp "$build"/*.log "$dest/" 2>/dev/null || true
  mv -f "$build/influxd" "$dest/influxd.tmp.$$"
  mv -f "$dest/influxd.tmp.$$" "$dest/influxd"
  rm -rf "$build"
  say "influxdb: installed $version in $dest"
}

influxdb_start() {
  local dir="$GS_STATE/influxdb" bin
  bin=$(influxdb_bin)
  mkdir -p "$dir/engine"
  if [ -f "$dir/server.log" ]; then mv -f "$dir/server.log" "$dir/server.log.1"; fi
  # SF_OCSP_RESPONSE_CACHE_DIR: the Snowflake SQL driver linked in (Flux sql.from)
  # creates ~/.cache/snowflake at start-up unless pointed elsewhere.
  GOMEMLIMIT="$GS_INFLUX_GOMEMLIMIT" SF_OCSP_RESPONSE_CACHE_DIR="$dir" setsid nohup "$bin" run \
    --http-bind-address "127.0.0.1:$GS_INFLUX_PORT" \
    --bolt-path "$dir/influxd.bolt" \
    --sqlite-path "$dir/influxd.sqlite" \
    --engine-path "$dir/engine" \
    --reporting-disabled \
    --ui-disabled \
    --log-level info \
    --query-concurrency 4 \
    --query-queue-size 16 \
    --query-initial-memory-bytes $((16 * 1024 * 1024)) \
    --query-memory-bytes $((128 * 1024 * 1024)) \
    --query-max-memory-bytes $((384 * 1024 * 1024)) \
    --storage-cache-max-memory-size $((256 * 1024 * 1024)) \
    --storage-max-concurrent-compactions 1 \
    </dev/null >"$dir/server.log" 2>&1 &
  echo $! >"$dir/pid"
}

# influxd 2.x shuts down gracefully on SIGINT only; SIGTERM ends it at once (its WAL is
# fsynced before a write is acknowledged, so no acknowledged data is lost either way).
influxdb_stop_signal() { printf INT; }

influxdb_healthy() {
  local body
  body=$(curl -fsS --max-time 2 "$(influxdb_url)/health" 2>/dev/null) || return 1
  body=${body//[[:space:]]/}
  case "$body" in
    *'"status":"pass"'*) return 0 ;;
  esac
  return 1
}

# _influxdb_api METHOD PATH [JSON]: calls the local server with the dev token; prints
# the body, then a last line with the HTTP status (000 if there was no answer).
_influxdb_api() {
  local args=(-sS --max-time 10 -X "$1" -H "Authorization: Token $GS_INFLUX_TOKEN" -w '\n%{http_code}')
  if [ $# -ge 3 ]; then args+=(-H 'Content-Type: application/json' --data "$3"); fi
  curl "${args[@]}" "$(influxdb_url)$2" 2>/dev/null || true
}

# Idempotent: onboarding (owner, org, bucket, the dev token as the owner's token) the
# first time; later runs check that the token still reaches the org and create the
# bucket if GRIDSTREAM_INFLUX_BUCKET names one that does not exist yet.
influxdb_setup() {
  local res status body org_id
  res=$(_influxdb_api GET /api/v2/setup)
  status=${res##*$'\n'} body=${res%$'\n'*}
  if [ "$status" != 200 ]; then
    say "influxdb: GET /api/v2/setup answered HTTP $status: $body"
    return 1
  fi
  case "$body" in
    *'"allowed": true'* | *'"allowed":true'*)
      say "influxdb: first-time setup (org $GS_INFLUX_ORG, bucket $GS_INFLUX_BUCKET, owner $GS_INFLUX_USER)"
      res=$(_influxdb_api POST /api/v2/setup \
        "{\"username\":\"$GS_INFLUX_USER\",\"password\":\"$GS_INFLUX_PASSWORD\",\"org\":\"$GS_INFLUX_ORG\",\"bucket\":\"$GS_INFLUX_BUCKET\",\"token\":\"$GS_INFLUX_TOKEN\",\"retentionPeriodSeconds\":0}")
      status=${res##*$'\n'}
      if [ "$status" != 201 ]; then
        say "influxdb: POST /api/v2/setup answered HTTP $status: ${res%$'\n'*}"
        return 1
      fi
      return 0
      ;;
  esac
  res=$(_influxdb_api GET "/api/v2/orgs?org=$GS_INFLUX_ORG")
  status=${res##*$'\n'} body=${res%$'\n'*}
  if [ "$status" != 200 ]; then
    say "influxdb: already set up, but org '$GS_INFLUX_ORG' with GRIDSTREAM_INFLUX_TOKEN gives HTTP $status ($(printf '%s' "$body" | tr -s ' \t\n' ' ')); to start over: scripts/stack down influxdb, remove $GS_STATE/influxdb"
    return 1
  fi
  org_id=$(printf '%s\n' "$body" | sed -n 's/^[[:space:]]*"id":[[:space:]]*"\([0-9a-f]*\)".*/\1/p' | head -n1)
  res=$(_influxdb_api GET "/api/v2/buckets?orgID=$org_id&name=$GS_INFLUX_BUCKET")
  status=${res##*$'\n'}
  if [ "$status" = 200 ]; then
    return 0
  fi
  say "influxdb: creating bucket $GS_INFLUX_BUCKET in org $GS_INFLUX_ORG"
  res=$(_influxdb_api POST /api/v2/buckets "{\"orgID\":\"$org_id\",\"name\":\"$GS_INFLUX_BUCKET\",\"retentionRules\":[]}")
  status=${res##*$'\n'}
  if [ "$status" != 201 ]; then
    say "influxdb: creating bucket $GS_INFLUX_BUCKET answered HTTP $status: ${res%$'\n'*}"
    return 1
  fi
}

influxdb_client_env() {
  printf 'INFLUX_URL=%s\n' "$(influxdb_url)"
  printf 'INFLUX_TOKEN=%s\n' "$GS_INFLUX_TOKEN"
  printf 'INFLUX_ORG=%s\n' "$GS_INFLUX_ORG"
  printf 'INFLUX_BUCKET=%s\n' "$GS_INFLUX_BUCKET"
}
