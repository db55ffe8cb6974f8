#!/usr/bin/env bash
# Restart on the embedded store: publish 1,000 notifications to the local origin, SIGKILL the
# gateway, start it again on the same H2 file, and time from the start command to the first
# resumed notification delivered to a subscriber that reconnects with Last-Event-ID: 500 (it
# must receive id 501, read back from the journal). Median of the runs.
#
# Usage: src/bench/restart.sh [runs=3]
# Environment: WATCHGATE_JVM_FLAGS (see lib.sh); BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
. src/bench/lib.sh

RUNS=${1:-3}
bench_jdk
bench_gateway_jar
WORK="$BENCH_DIR/restart"
URL=http://127.0.0.1:8080

start_gateway() {
  # shellcheck disable=SC2086
  "$JAVA" $WATCHGATE_JVM_FLAGS -jar "$GATEWAY_JAR" --server.address=127.0.0.1 --server.port=8080 \
    --watchgate.store.url="r2dbc:h2:file:///$WORK/data/watchgate" --logging.level.root=WARN \
    >>"$WORK/watchgate.log" 2>&1 &
  PID=$!
}

now_ms() { date +%s%3N; }

times=()
for run in $(seq 1 "$RUNS"); do
  rm -rf "$WORK" && mkdir -p "$WORK"
  start_gateway
  for _ in $(seq 1 400); do curl -sf -o /dev/null "$URL/actuator/health" && break; sleep 0.05; done
  for i in $(seq 1 1000); do
    printf '{"event_type":"restart","identifier":{"n":"%d"},"payload":{"n":%d}}\n' "$i" "$i"
  done | while read -r body; do
    curl -sf -o /dev/null -H 'Content-Type: application/json' -d "$body" "$URL/api/v1/notification"
  done
  kill -KILL "$PID"; wait "$PID" 2>/dev/null || true

  began=$(now_ms)
  start_gateway
  until line=$( (curl -sN --max-time 5 -H 'Last-Event-ID: 500' "$URL/watch/local?event_type=restart" 2>/dev/null ||
    true) | grep -m1 '^id: '); do
    sleep 0.02
  done
  resumed=$(( $(now_ms) - began ))
  kill "$PID"; wait "$PID" 2>/dev/null || true
  [ "$line" = "id: 501" ] || { echo "bench: expected 'id: 501' after the restart, got '$line'" >&2; exit 1; }
  echo "run $run: first resumed notification (id 501) after ${resumed} ms"
  times+=("$resumed")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "| restart on the embedded store (SIGKILL, start, first resumed notification) | median ${median} ms of ${RUNS} (${times[*]}) | target <= 3000 ms |"
