#!/usr/bin/env bash
# Memory per idle subscriber: RSS growth of the server when N idle subscribers connect, divided
# by N, for the gateway (origin mode, GET /watch/local) and nginx + Nchan (one worker), one after
# the other in the same run. The gateway is warmed up first (1,000 subscribers and 20,000
# delivered events/s for 10 s, then disconnected, then a full GC), so its young generation is
# already resident, as in a server that has been running: what grows is what the subscribers keep.
#
# Usage: src/bench/idle-memory.sh [subscribers=10000]
# Environment: TARGETS=nchan,watchgate; WATCHGATE_JVM_FLAGS (see lib.sh); BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
. src/bench/lib.sh

SUBS=${1:-10000}
TARGETS=${TARGETS:-nchan,watchgate}
bench_jdk
bench_gateway_jar
bench_sseload
[[ "$TARGETS" == *nchan* ]] && bench_nchan
SSELOAD="$SSELOAD_DIR/sseload"
WORK="$BENCH_DIR/idle-memory"
rm -rf "$WORK" && mkdir -p "$WORK"

rss_kb() { # the summed RSS of these pids, in KiB
  local total=0 pid
  for pid in "$@"; do total=$((total + $(awk '/^VmRSS/ {print $2}' "/proc/$pid/status"))); done
  echo "$total"
}

wait_ready() { # url
  for _ in $(seq 1 240); do curl -sf -o /dev/null "$1" && return 0; sleep 0.25; done
  echo "bench: $1 did not answer" >&2; return 1
}

subscribe() { # base-url path-template conns seconds ready-file -> pid of sseload sub
  rm -f "$5"
  "$SSELOAD" sub --url "$1" --path-template "$2" --channels 100 --conns "$3" --duration "$4" \
    --src-ips 127.0.0.2-127.0.0.41 --ready-file "$5" --json "$WORK/sub-$(basename "$5").json" \
    >"$WORK/sub.log" 2>&1 &
  SUB_PID=$!
  for _ in $(seq 1 600); do [ -s "$5" ] && break; sleep 0.1; done
  [ -s "$5" ] || { echo "bench: subscribers did not connect" >&2; return 1; }
  echo "bench: $(cat "$5") of $3 subscribers connected" >&2
}

settle() { sleep 3; } # let the last handshakes finish their allocations

measure_nchan() {
  mkdir -p /tmp/sseload-nginx
  nginx -e /tmp/sseload-nginx/error.log -c "$SSELOAD_DIR/nchan.conf"
  wait_ready http://127.0.0.1:8090/ || true
  local pids; pids=$(pgrep -f 'nginx: (master|worker)' | tr '\n' ' ')
  local before; before=$(rss_kb $pids)
  subscribe http://127.0.0.1:8090 '/sub/idle_%d' "$SUBS" 120 "$WORK/nchan.ready"
  settle
  local after; after=$(rss_kb $pids)
  kill -INT "$SUB_PID"; wait "$SUB_PID" || true
  kill -QUIT "$(cat /tmp/sseload-nginx/nginx.pid)"
  report nchan "$before" "$after" ""
}

measure_watchgate() {
  # shellcheck disable=SC2086
  "$JAVA" $WATCHGATE_JVM_FLAGS -jar "$GATEWAY_JAR" --server.address=127.0.0.1 --server.port=8080 \
    --watchgate.store.url="r2dbc:h2:file:///$WORK/data/watchgate" --logging.level.root=WARN \
    >"$WORK/watchgate.log" 2>&1 &
  local pid=$!
  wait_ready http://127.0.0.1:8080/actuator/health
  subscribe http://127.0.0.1:8080 '/watch/local?event_type=warm&ch=%d' 1000 60 "$WORK/warm.ready"
  "$SSELOAD" pub --url http://127.0.0.1:8080/api/v1/notification --channels 100 --rate 2000 --duration 10 \
    --body-template '{"event_type":"warm","identifier":{"ch":"%c"},"payload":%p}' --json "$WORK/warm-pub.json" >/dev/null ||
    echo "bench: the warm-up publisher did not get 2xx for everything (see $WORK/warm-pub.json); measuring anyway" >&2
  kill -INT "$SUB_PID"; wait "$SUB_PID" || true
  sleep 1
  "${JAVA_HOME:+$JAVA_HOME/bin/}jcmd" "$pid" GC.run >/dev/null
  local before; before=$(rss_kb "$pid")
  local heap_before; heap_before=$(heap_used_kb "$pid")
  "${JAVA_HOME:+$JAVA_HOME/bin/}jcmd" "$pid" GC.class_histogram >"$WORK/histogram-before.txt"
  subscribe http://127.0.0.1:8080 '/watch/local?event_type=idle&ch=%d' "$SUBS" 120 "$WORK/watchgate.ready"
  settle
  "${JAVA_HOME:+$JAVA_HOME/bin/}jcmd" "$pid" GC.run >/dev/null
  local after; after=$(rss_kb "$pid")
  local heap_after; heap_after=$(heap_used_kb "$pid")
  "${JAVA_HOME:+$JAVA_HOME/bin/}jcmd" "$pid" GC.class_histogram >"$WORK/histogram-after.txt"
  kill -INT "$SUB_PID"; wait "$SUB_PID" || true
  kill "$pid"; wait "$pid" || true
  report watchgate "$before" "$after" "$(( (heap_after - heap_before) * 1024 / SUBS ))"
}

heap_used_kb() { # live heap after the last GC, from jcmd GC.heap_info (ParallelGC: young + old used)
  "${JAVA_HOME:+$JAVA_HOME/bin/}jcmd" "$1" GC.heap_info |
    awk '/(PSYoungGen|ParOldGen|garbage-first heap|Shenandoah|ZHeap)/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K.*/, "", v); s += v } } END { print s + 0 }'
}

RESULTS="$WORK/results.txt"
report() { # name rss-before-kb rss-after-kb live-heap-bytes-per-subscriber
  printf '| %s | %d | %.1f | %.1f | %s |\n' "$1" "$SUBS" "$(echo "$2 / 1024" | bc -l)" "$(echo "$3 / 1024" | bc -l)" \
    "$(( ($3 - $2) * 1024 / SUBS )) B${4:+ (live heap $4 B)}" >>"$RESULTS"
}

echo "| server | idle subscribers | RSS before, MiB | RSS after, MiB | RSS growth per subscriber |" >"$RESULTS"
echo "|---|---|---|---|---|" >>"$RESULTS"
IFS=, read -r -a targets <<<"$TARGETS"
for target in "${targets[@]}"; do
  case "$target" in
    nchan) measure_nchan ;;
    watchgate) measure_watchgate ;;
    *) echo "unknown target '$target'" >&2; exit 2 ;;
  esac
done
cat "$RESULTS"
if [ -s "$WORK/histogram-after.txt" ]; then # what the gateway's idle subscribers keep, by class
  python3 - "$WORK/histogram-before.txt" "$WORK/histogram-after.txt" "$SUBS" <<'PY' | tee "$WORK/histogram-per-subscriber.txt"
import sys
def read(path):
    sizes = {}
    for line in open(path):
        parts = line.split()
        if len(parts) >= 4 and parts[0].endswith(':'):
            sizes[parts[3]] = (int(parts[1]), int(parts[2]))
    return sizes
before, after, subs = read(sys.argv[1]), read(sys.argv[2]), int(sys.argv[3])
grown = sorted(((after[c][1] - before.get(c, (0, 0))[1], after[c][0] - before.get(c, (0, 0))[0], c) for c in after), reverse=True)
print(f"live heap growth per idle subscriber, by class (top 40 of {sum(g[0] for g in grown) / subs:,.0f} B):")
for size, count, name in grown[:40]:
    print(f"{size / subs:8.1f} B {count / subs:6.2f} objects  {name}")
PY
fi
