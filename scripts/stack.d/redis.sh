# Redis from Debian's package, on its own port and data directory with the append-only file on.
# Sourced by scripts/stack.

REDIS_PORT="$(port_var GRIDSTREAM_REDIS_PORT 16379)"

redis_install() {
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null && return 0
  say "redis: installing Debian's redis-server with apt-get"
  # The package's own service is not used (and may not start here); ours runs from scripts/stack.
  apt_install redis-server
}

redis_start() {
  local dir="$GS_STATE/redis"
  mkdir -p "$dir"
  [[ -f "$dir/server.log" ]] && mv "$dir/server.log" "$dir/server.log.1"
  # Every setting on the command line: a packaged /etc/redis/redis.conf is never read.
  setsid nohup redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --dir "$dir" \
    --appendonly yes --appendfsync everysec --save "" --daemonize no --protected-mode yes \
    --maxmemory 512mb --maxmemory-policy noeviction \
    >"$dir/server.log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
}

redis_healthy() { [[ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }
redis_address() { printf '127.0.0.1:%s' "$REDIS_PORT"; }
redis_client_env() { printf 'REDIS_URL=redis://127.0.0.1:%s\n' "$REDIS_PORT"; }
