# Shared by the scripts in src/bench (sourced from the repository's root).

BENCH_DIR=${BENCH_DIR:-$ROOT/target/bench}
SSELOAD_DIR="$BENCH_DIR/sseload"
GATEWAY_JAR=${GATEWAY_JAR:-$ROOT/gateway/target/watchgate-gateway.jar}
# The gateway's JVM for 2 cores: a fixed 1 GiB heap (no resizing pauses), the parallel
# collector (short young pauses, no concurrent GC threads competing for the 2 cores) and one
# Netty event loop per core (Reactor Netty's default is at least 4).
WATCHGATE_JVM_FLAGS=${WATCHGATE_JVM_FLAGS:--Xms1g -Xmx1g -XX:+UseParallelGC -Dreactor.netty.ioWorkerCount=2}
mkdir -p "$BENCH_DIR"

# A JDK >= 21: JAVA_HOME, else Temurin 25 where the machine has it, else the default java.
bench_jdk() {
  if [ -z "${JAVA_HOME:-}" ] && [ -x /usr/lib/jvm/temurin-25-jdk-amd64/bin/java ]; then
    export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
  fi
  JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
}

# A module's classes and test classes compiled (with the modules it needs), and BENCH_CLASSPATH
# set to them and their test-scope dependencies: what the Java benches in the test sources run on.
bench_test_classpath() { # module
  ./mvnw -B -q -pl "$1" -am -DskipTests -Dspotless.check.skip=true test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
  BENCH_CLASSPATH="$1/target/test-classes:$1/target/classes:$(cat "$1/target/bench.classpath")"
}

# The gateway's jar, built (as the README builds it) when missing or when BUILD=1.
bench_gateway_jar() {
  if [ ! -f "$GATEWAY_JAR" ] || [ "${BUILD:-0}" = 1 ]; then
    ./mvnw -B -q package -DskipTests -Dspotless.check.skip=true
  fi
}

# The gateway's jar extracted into DIR/app: a JVM AOT cache needs the application's jars as
# files, not nested in one jar. bench_extracted_jar DIR prints the application jar's path there.
bench_extract_jar() { # dir
  "$JAVA" -Djarmode=tools -jar "$GATEWAY_JAR" extract --destination "$1/app" >/dev/null
}
bench_extracted_jar() { # dir
  echo "$1/app/$(basename "$GATEWAY_JAR")"
}

# The sseload rig, copied from ../shared/tools/sseload and built in the bench folder.
bench_sseload() {
  local source="$ROOT/../shared/tools/sseload"
  [ -f "$source/sseload.c" ] || { echo "bench: the rig is missing: $source" >&2; exit 1; }
  if [ ! -x "$SSELOAD_DIR/sseload" ] || [ "$source/sseload.c" -nt "$SSELOAD_DIR/sseload" ]; then
    rm -rf "$SSELOAD_DIR" && mkdir -p "$SSELOAD_DIR"
    cp -r "$source"/. "$SSELOAD_DIR"/
    rm -f "$SSELOAD_DIR/sseload"
    make -s -C "$SSELOAD_DIR" >/dev/null
  fi
  export PATH="$SSELOAD_DIR:$PATH"
}

# nginx with the Nchan module (Debian packages), installed when missing.
bench_nchan() {
  if ! command -v nginx >/dev/null 2>&1 || ! ls /usr/lib/nginx/modules/ngx_nchan_module.so >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      echo "bench: installing nginx + libnginx-mod-nchan"
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx libnginx-mod-nchan >/dev/null
    else
      echo "bench: Nchan is missing; run: sudo apt-get install -y nginx libnginx-mod-nchan (or TARGETS=cmd)" >&2
      exit 1
    fi
  fi
  # Debian starts an nginx on port 80 at install on some machines; the rig starts its own.
}
