# shellcheck shell=bash
# The native part of @confluentinc/kafka-javascript (Node bindings for librdkafka), for the bench that
# compares Kafka clients (bench/clients.ts). pnpm installs the package's JavaScript but not its install
# script, which would fetch a prebuilt binary from outside the package registries; this builds the
# binding and librdkafka from the source the package carries, against the system's OpenSSL and zlib,
# into the cache, and links the package's build/ folder to it. Sourced by scripts/tools. Needs
# make, g++ and python3 (node-gyp), Node's headers beside its binary, and the workspace installed.

GS_KAFKA_JAVASCRIPT_VERSION=1.10.1

# The package in pnpm's virtual store, where its `bindings` looks for build/Release.
_kafka_javascript_package() {
  (cd "$GS_ROOT/bench" && node -p "require('path').dirname(require.resolve('@confluentinc/kafka-javascript/package.json'))") ||
    die "kafka-javascript: @confluentinc/kafka-javascript is not installed; run pnpm install"
}
# The binding is tied to Node's ABI, so each ABI gets its own build.
_kafka_javascript_build() { printf '%s\n' "$GS_TOOLS/kafka-javascript-$GS_KAFKA_JAVASCRIPT_VERSION-abi$(node -p process.versions.modules)"; }
kafka_javascript_path() { printf '%s\n' "$(_kafka_javascript_package)/build/Release/confluent-kafka-javascript.node"; }

kafka_javascript_install() {
  local package build
  package="$(_kafka_javascript_package)"
  build="$(_kafka_javascript_build)"
  [[ -x "$(kafka_javascript_path)" ]] && return 0
  if [[ ! -f "$build/Release/confluent-kafka-javascript.node" ]]; then
    need make "install make (Debian: apt-get install build-essential)"
    need g++ "install g++ (Debian: apt-get install build-essential)"
    local node_prefix node_gyp
    node_prefix="$(node -p "require('path').dirname(require('path').dirname(process.execPath))")"
    [[ -f "$node_prefix/include/node/node.h" ]] ||
      die "kafka-javascript: Node's headers are not in $node_prefix/include/node; install Node.js with its headers (Debian: apt-get install libnode-dev)"
    node_gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
    [[ -f "$node_gyp" ]] || die "kafka-javascript: npm's node-gyp is not at $node_gyp; reinstall npm"
    local started=$SECONDS work="$build.work"
    say "kafka-javascript: building $GS_KAFKA_JAVASCRIPT_VERSION and its librdkafka from source (a few minutes, once)"
    # A copy, so the build writes nothing into pnpm's store (the package's files are hard links to it);
    # NODE_PATH lets binding.gyp's require('nan') find the package's own dependency.
    rm -rf "$work" && mkdir -p "$work" && cp -R "$package/." "$work/"
    # Dynamic linking against the system's libraries: the package's default static build would
    # download OpenSSL, zlib and zstd sources. One job: the binding's make races librdkafka's configure.
    (cd "$work" && CKJS_LINKING=dynamic NODE_PATH="$(dirname "$(dirname "$package")")" \
      node "$node_gyp" rebuild --nodedir="$node_prefix" --jobs 1 >"$work.log" 2>&1) ||
      die "kafka-javascript: the build failed; see $work.log"
    # The binding finds librdkafka through its RUNPATH, $ORIGIN/../deps.
    rm -rf "$build" && mkdir -p "$build/Release" "$build/deps"
    cp "$work/build/Release/confluent-kafka-javascript.node" "$build/Release/"
    cp -P "$work"/build/deps/librdkafka*.so* "$build/deps/"
    rm -rf "$work" "$work.log"
    say "kafka-javascript: built in $((SECONDS - started))s"
  fi
  ln -sfn "$build" "$package/build"
}
