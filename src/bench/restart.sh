#!/usr/bin/env bash
# Restart on the embedded store: publish 1,000 notifications to the local origin, SIGKILL the
# gateway, start it again on the same H2 file, and time from the start command to the first
# resumed notification delivered to a subscriber that reconnects with Last-Event-ID: 500 (it
# must receive id 501, read back from the journal). Median of the runs, for the jar as built and
# for the jar extracted and started with a JVM AOT cache (Java 25+: classes loaded and linked
# ahead of time, and method profiles, by a training run of the same restart), which is how to
# deploy for a fast restart.
#
# Usage: src/bench/restart.sh [runs=3] [modes=jar,aot]
# Environment: WATCHGATE_JVM_FLAGS (see lib.sh); BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
. src/bench/lib.sh

RUNS=${1:-3}
MODES=${2:-jar,aot}
bench_jdk
bench_gateway_jar
WORK="$BENCH_DIR/restart"
APP="$BENCH_DIR/restart-app"
EXTRACTED_JAR=$(bench_extracted_jar "$APP")
URL=http://127.0.0.1:8080
# a failed step leaves no gateway running
trap 'kill -KILL $(jobs -p) 2>/dev/null || true' EXIT
STORE_ARGS=(--server.address=127.0.0.1 --server.port=8080 --logging.level.root=WARN)

# The extracted application and its AOT cache, made by a training run of the restart itself: a
# gateway publishes and is killed, and one started from the extracted jar with
# -XX:AOTCacheOutput recovers the same H2 file and serves the resumed stream, then exits in order
# (the JVM writes the cache at exit). The cache then holds what a restart loads and links, and
# the profiles of what it runs (the store's recovery, the journal's read, the first request).
prepare_aot() {
  rm -rf "$APP" && mkdir -p "$APP"
  bench_extract_jar "$APP"
  rm -rf "$WORK" && mkdir -p "$WORK"
  start_gateway jar
  publish_and_kill
  start_gateway train
  await_resumed >/dev/null
  kill "$PID"
  wait "$PID" 2>/dev/null || true
  [ -s "$APP/app.aot" ] || { echo "bench: the AOT training run wrote no cache, see $WORK/watchgate.log" >&2; exit 1; }
}

start_gateway() { # mode: jar, aot or train
  local launch=(-jar "$GATEWAY_JAR")
  [ "$1" = aot ] && launch=(-XX:AOTCache="$APP/app.aot" -jar "$EXTRACTED_JAR")
  [ "$1" = train ] && launch=(-XX:AOTCacheOutput="$APP/app.aot" -jar "$EXTRACTED_JAR")
  # shellcheck disable=SC2086
  "$JAVA" $WATCHGATE_JVM_FLAGS "${launch[@]}" "${STORE_ARGS[@]}" \
    --watchgate.store.url="r2dbc:h2:file:///$WORK/data/watchgate" >>"$WORK/watchgate.log" 2>&1 &
  PID=$!
}

now_ms() { date +%s%3N; }

# Waits for the gateway, publishes 1,000 notifications and kills it.
publish_and_kill() {
  for _ in $(seq 1 400); do curl -sf -o /dev/null "$URL/actuator/health" && break; sleep 0.05; done
  for i in $(seq 1 1000); do
    printf '{"event_type":"restart","identifier":{"n":"%d"},"payload":{"n":%d}}\n' "$i" "$i"
  done | while read -r body; do
    curl -sf -o /dev/null -H 'Content-Type: application/json' -d "$body" "$URL/api/v1/notification"
  done
  kill -KILL "$PID"; wait "$PID" 2>/dev/null || true
}

# Prints the first event id of the stream resumed after id 500, once the gateway serves it; fails
# when it has not within 60 s.
await_resumed() {
  local line deadline=$(( $(now_ms) + 60000 ))
  until line=$( (curl -sN --max-time 5 -H 'Last-Event-ID: 500' "$URL/watch/local?event_type=restart" 2>/dev/null ||
    true) | grep -m1 '^id: '); do
    if [ "$(now_ms)" -ge "$deadline" ]; then
      echo "bench: no resumed stream within 60 s of the start, see $WORK/watchgate.log" >&2
      exit 1
    fi
    sleep 0.02
  done
  echo "$line"
}


restart_runs() { # mode
local mode=$1
times=()
for run in $(seq 1 "$RUNS"); do
  rm -rf "$WORK" && mkdir -p "$WORK"
  start_gateway "$mode"
  publish_and_kill

  began=$(now_ms)
  start_gateway "$mode"
  line=$(await_resumed)
  resumed=$(( $(now_ms) - began ))
  kill "$PID"; wait "$PID" 2>/dev/null || true
  [ "$line" = "id: 501" ] || { echo "bench: expected 'id: 501' after the restart, got '$line'" >&2; exit 1; }
  echo "$mode run $run: first resumed notification (id 501) after ${resumed} ms" >&2
  times+=("$resumed")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "| restart on the embedded store, $mode (SIGKILL, start, first resumed notification) | median ${median} ms of ${RUNS} (${times[*]}) | target <= 3000 ms |"
}

IFS=, read -r -a modes <<<"$MODES"
for mode in "${modes[@]}"; do
  case "$mode" in
    jar) restart_runs jar ;;
    aot) prepare_aot && restart_runs aot ;;
    *) echo "unknown mode '$mode' (jar, aot)" >&2; exit 2 ;;
  esac
done
