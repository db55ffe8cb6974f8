#!/usr/bin/env bash
# Fan-out against Nchan in one interleaved run: the gateway as an origin
# (POST /api/v1/notification -> GET /watch/local) and nginx + Nchan (one worker), driven
# alternately by the sseload rig from ../shared/tools/sseload, medians of the pairs.
#
# Usage: src/bench/fanout.sh [scenario...]       scenarios: 1k-1 10k-100 10k-1 (default: all)
# Environment:
#   PAIRS=3                 interleaved pairs per scenario (medians of these)
#   WARMUP=30               seconds of unmeasured publishing after each server start (the rig's most)
#   SETTLE=0.5              seconds between the last subscriber connected and publishing (the rig's
#                           default; a longer one leaves the connection burst's GC out of the figures)
#   TARGETS=nchan,cmd       nchan,cmd | cmd (the gateway alone)
#   LAUNCH=aot              aot (the default on Java 25+): the extracted jar with a JVM AOT cache
#                           trained on fan-out load before the runs (~2 min; ~100 MB kept in
#                           BENCH_DIR/fanout-app while the jar, JDK and flags stay the same; see
#                           train_aot_cache); jar: the jar as built
#   GATEWAY_JAR             the gateway's jar (default: gateway/target/watchgate-gateway.jar)
#   WATCHGATE_JVM_FLAGS     the gateway's JVM flags (default below, documented in performance.md)
#   BENCH_DIR=target/bench  where the rig is built and results are written
# Needs: a JDK >= 21, gcc, make, python3; nginx + libnginx-mod-nchan (installed with apt-get
# when missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
. src/bench/lib.sh

PAIRS=${PAIRS:-3}
WARMUP=${WARMUP:-30}
SETTLE=${SETTLE:-0.5}
TARGETS=${TARGETS:-nchan,cmd}
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(1k-1 10k-100 10k-1)

bench_jdk
if [ -z "${LAUNCH:-}" ]; then # an AOT cache with method profiles needs Java 25
  LAUNCH=jar
  [ "$("$JAVA" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p')" -ge 25 ] 2>/dev/null && LAUNCH=aot
fi
bench_gateway_jar
bench_sseload
[[ "$TARGETS" == *nchan* ]] && bench_nchan

RESULTS="$BENCH_DIR/fanout-$(date +%Y%m%d-%H%M%S).jsonl"
DATA="$BENCH_DIR/fanout-data"
APP="$BENCH_DIR/fanout-app"
EXTRACTED_JAR=$(bench_extracted_jar "$APP")
GATEWAY_ARGS="--server.address=127.0.0.1 --server.port=8080"
GATEWAY_ARGS+=" --watchgate.store.url=r2dbc:h2:file:///$DATA/watchgate --logging.level.root=WARN"

# bench.py (its mode and options first) with the gateway, started by this command line, as its
# cmd target of this name.
bench_gateway() { # name server-cmd bench.py-arguments...
  local name=$1 server=$2
  shift 2
  python3 "$SSELOAD_DIR/bench.py" "$@" --name "$name" --server-cmd "$server" \
    --ready-url 'http://127.0.0.1:8080/actuator/health' \
    --pub-url 'http://127.0.0.1:8080/api/v1/notification' \
    --sub-template '/watch/local?event_type=bench&ch={run}_%d' \
    --body-template '{"event_type":"bench","identifier":{"ch":"{run}_%c"},"payload":%p}' \
    --event-type message
}

# The extracted jar and a JVM AOT cache trained on fan-out load: one gateway records what it
# loads and the profiles of what it runs while the rig drives 1,000 and 10,000 subscribers on 1
# and 100 channels (10,000 delivered events/s, 10 s each; not measured), then the cache is made
# from that record. With it the JIT compiles the hot paths from those profiles at start instead
# of spending a good part of a core on them through the warm-up and the measured runs. Kept
# while the jar, the JDK and the JVM flags stay the same (rm -rf target/bench/fanout-app
# retrains).
train_aot_cache() {
  local key
  key="$(sha256sum "$GATEWAY_JAR" | cut -d' ' -f1) $("$JAVA" -version 2>&1 | tr '\n' ' ') $WATCHGATE_JVM_FLAGS"
  if [ -f "$APP/app.aot" ] && [ "$(cat "$APP/key" 2>/dev/null)" = "$key" ]; then
    return
  fi
  echo "bench: training the JVM AOT cache on fan-out load (~2 min; logs: $APP/*.log and" \
    "/tmp/sseload-bench/watchgate-training-server.log)"
  rm -rf "$APP" && mkdir -p "$APP"
  bench_extract_jar "$APP"
  local record="rm -rf '$DATA' && exec '$JAVA' $WATCHGATE_JVM_FLAGS -XX:AOTMode=record"
  record+=" -XX:AOTConfiguration='$APP/app.aotconf' -jar '$EXTRACTED_JAR' $GATEWAY_ARGS"
  # bench.py carries on past a failed point (with a fresh server, whose record would replace
  # this one) and stops the server with SIGTERM, SIGKILL after --stop-timeout: every point must
  # have run, and the JVM must have had the time to write its record at exit.
  bench_gateway watchgate-training "$record" point --target cmd --keep-server --ts-scheduled \
    --stop-timeout 60 --conns 1000,10000 --channels 1,100 --delivered 10000 \
    --out "$APP/training.jsonl" >"$APP/training.log" 2>&1 || true
  if [ "$(grep -c . "$APP/training.jsonl" 2>/dev/null)" != 4 ] || grep -q '"error"' "$APP/training.jsonl" \
    || grep -q 'SIGKILL after' "$APP/training.log" || [ ! -s "$APP/app.aotconf" ]; then
    echo "bench: the AOT training run failed, see $APP/training.log" >&2
    exit 1
  fi
  # shellcheck disable=SC2086
  "$JAVA" $WATCHGATE_JVM_FLAGS -XX:AOTMode=create -XX:AOTConfiguration="$APP/app.aotconf" \
    -XX:AOTCache="$APP/app.aot" -jar "$EXTRACTED_JAR" >"$APP/create.log" 2>&1 \
    || { echo "bench: making the AOT cache failed, see $APP/create.log" >&2; exit 1; }
  rm -f "$APP/app.aotconf"
  echo "$key" >"$APP/key"
}

case "$LAUNCH" in
  aot)
    java_version=$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ "${java_version%%.*}" -lt 25 ] 2>/dev/null || [ -z "$java_version" ]; then
      echo "bench: LAUNCH=aot needs Java 25+ (AOT caches with method profiles); $JAVA is $java_version" >&2
      exit 2
    fi
    train_aot_cache
    LAUNCH_ARGS="-XX:AOTMode=on -XX:AOTCache='$APP/app.aot' -jar '$EXTRACTED_JAR'" ;;
  jar) LAUNCH_ARGS="-jar '$GATEWAY_JAR'" ;;
  *) echo "unknown LAUNCH '$LAUNCH' (aot, jar)" >&2; exit 2 ;;
esac
SERVER="rm -rf '$DATA' && exec '$JAVA' $WATCHGATE_JVM_FLAGS $LAUNCH_ARGS $GATEWAY_ARGS"

run_scenario() { # conns channels rate
  local mode=(interleave --pairs "$PAIRS" --order abba)
  [[ "$TARGETS" == *,* ]] || mode=(point --repeat "$PAIRS")
  bench_gateway watchgate "$SERVER" "${mode[@]}" --target "$TARGETS" --ts-scheduled --warmup "$WARMUP" \
    --settle "$SETTLE" --out "$RESULTS" --conns "$1" --channels "$2" --rate "$3"
}

for scenario in "${SCENARIOS[@]}"; do
  case "$scenario" in
    1k-1) run_scenario 1000 1 80 ;;       # 80,000 ev/s offered
    10k-100) run_scenario 10000 100 600 ;; # 60,000 ev/s offered
    10k-1) run_scenario 10000 1 2 ;;      # 20,000 ev/s offered
    *) echo "unknown scenario '$scenario' (1k-1, 10k-100, 10k-1)" >&2; exit 2 ;;
  esac
done
python3 "$SSELOAD_DIR/table.py" "$RESULTS"
echo "results: $RESULTS"
