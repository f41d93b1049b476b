# Apache Kafka in KRaft combined mode (one node), run from its Maven Central artifacts.
# Sourced by scripts/stack.

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$GS_SCRIPTS/stack.d/kafka/pom.xml")"
KAFKA_HOME="$GS_CACHE/kafka-$KAFKA_VERSION"
KAFKA_PORT="$(port_var GRIDSTREAM_KAFKA_PORT 19092)"
KAFKA_CONTROLLER_PORT="$(port_var GRIDSTREAM_KAFKA_CONTROLLER_PORT 19093)"
KAFKA_HEAP_MB="${GRIDSTREAM_KAFKA_HEAP_MB:-512}"
[[ "$KAFKA_HEAP_MB" =~ ^[0-9]+$ ]] && ((KAFKA_HEAP_MB >= 256)) ||
  die "GRIDSTREAM_KAFKA_HEAP_MB: expected megabytes, at least 256, got \"$KAFKA_HEAP_MB\"; e.g. GRIDSTREAM_KAFKA_HEAP_MB=512"

kafka_install() {
  [[ -f "$KAFKA_HOME/libs/kafka_2.13-$KAFKA_VERSION.jar" ]] && return 0
  need java "install a Java 17 runtime (Debian: apt-get install openjdk-17-jre-headless)"
  need mvn "install Apache Maven (Debian: apt-get install maven)"
  say "kafka: resolving Apache Kafka $KAFKA_VERSION and its runtime dependencies with Maven"
  local build="$GS_CACHE/build/kafka-$KAFKA_VERSION"
  rm -rf "$build" && mkdir -p "$build"
  cp "$GS_SCRIPTS/stack.d/kafka/pom.xml" "$build/"
  (cd "$build" && mvn -B -ntp -Dmaven.repo.local="$GS_M2" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$build/libs" >"$build/maven.log" 2>&1) ||
    { tail -n 30 "$build/maven.log" >&2; die "kafka: Maven could not resolve kafka_2.13:$KAFKA_VERSION (log: $build/maven.log)"; }
  rm -rf "$KAFKA_HOME" && mv "$build" "$KAFKA_HOME"
  say "kafka: $(ls "$KAFKA_HOME/libs" | wc -l) jars in $KAFKA_HOME/libs"
}

kafka_java() {
  java -cp "$KAFKA_HOME/libs/*" -Dlog4j.configuration="file:$GS_SCRIPTS/stack.d/kafka/log4j.properties" "$@"
}

kafka_start() {
  local dir="$GS_STATE/kafka"
  mkdir -p "$dir/data"
  # Rewritten at every start so port settings take effect; the data keeps its cluster id.
  cat >"$dir/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
# One broker: internal topics at replication factor 1 and min ISR 1, or transactions cannot work.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
min.insync.replicas=1
default.replication.factor=1
num.partitions=1
# Topics are created on purpose, with their partitions and cleanup policy, never by a typo.
auto.create.topics.enable=false
# Tests join and leave groups all the time; waiting 3 s for more members only slows them.
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
PROPS
  if [[ ! -f "$dir/data/meta.properties" ]]; then
    say "kafka: formatting storage in $dir/data"
    kafka_java kafka.tools.StorageTool format --ignore-formatted -c "$dir/server.properties" \
      -t "$(kafka_java kafka.tools.StorageTool random-uuid)" >"$dir/format.log" 2>&1 ||
      { cat "$dir/format.log" >&2; die "kafka: formatting $dir/data failed"; }
  fi
  [[ -f "$dir/server.log" ]] && mv "$dir/server.log" "$dir/server.log.1"
  setsid nohup java "-Xmx${KAFKA_HEAP_MB}m" -Xms128m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$GS_SCRIPTS/stack.d/kafka/log4j.properties" -Dkafka.logs.dir="$dir" \
    -cp "$KAFKA_HOME/libs/*" kafka.Kafka "$dir/server.properties" >"$dir/server.log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
}

# Healthy = the broker answers an ApiVersions request (v0) with error code 0.
kafka_healthy() {
  local reply
  reply="$(timeout 2 bash -c '
    exec 3<>/dev/tcp/127.0.0.1/'"$KAFKA_PORT"' || exit 1
    printf "\x00\x00\x00\x0c\x00\x12\x00\x00\x00\x00\x00\x01\x00\x02gs" >&3
    head -c 10 <&3 | od -An -tx1' 2>/dev/null)" || return 1
  # size(4) correlation id(4) = 1, error code(2) = 0
  [[ "$(echo $reply | cut -d' ' -f5-10)" == "00 00 00 01 00 00" ]]
}

kafka_address() { printf '127.0.0.1:%s' "$KAFKA_PORT"; }
kafka_client_env() { printf 'KAFKA_BROKERS=127.0.0.1:%s\n' "$KAFKA_PORT"; }
