#!/usr/bin/env bash
# Fan-out against Nchan in one interleaved run: the gateway as an origin
# (POST /api/v1/notification -> GET /watch/local) and nginx + Nchan (one worker), driven
# alternately by the sseload rig from ../shared/tools/sseload, medians of the pairs.
#
# Usage: src/bench/fanout.sh [scenario...]       scenarios: 1k-1 10k-100 10k-1 (default: all)
# Environment:
#   PAIRS=3                 interleaved pairs per scenario (medians of these)
#   WARMUP=20               seconds of unmeasured publishing after each server start
#   SETTLE=0.5              seconds between the last subscriber connected and publishing (the rig's
#                           default; a longer one leaves the connection burst's GC out of the figures)
#   TARGETS=nchan,cmd       nchan,cmd | cmd (the gateway alone)
#   WATCHGATE_JVM_FLAGS     the gateway's JVM flags (default below, documented in performance.md)
#   BENCH_DIR=target/bench  where the rig is built and results are written
# Needs: a JDK >= 21, gcc, make, python3; nginx + libnginx-mod-nchan (installed with apt-get
# when missing and running as root).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
. src/bench/lib.sh

PAIRS=${PAIRS:-3}
WARMUP=${WARMUP:-20}
SETTLE=${SETTLE:-0.5}
TARGETS=${TARGETS:-nchan,cmd}
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(1k-1 10k-100 10k-1)

bench_jdk
bench_gateway_jar
bench_sseload
[[ "$TARGETS" == *nchan* ]] && bench_nchan

RESULTS="$BENCH_DIR/fanout-$(date +%Y%m%d-%H%M%S).jsonl"
DATA="$BENCH_DIR/fanout-data"
SERVER="rm -rf '$DATA' && exec '$JAVA' $WATCHGATE_JVM_FLAGS -jar '$GATEWAY_JAR'"
SERVER+=" --server.address=127.0.0.1 --server.port=8080"
SERVER+=" --watchgate.store.url=r2dbc:h2:file:///$DATA/watchgate --logging.level.root=WARN"

run_scenario() { # conns channels rate
  local mode=(interleave --pairs "$PAIRS" --order abba)
  [[ "$TARGETS" == *,* ]] || mode=(point --repeat "$PAIRS")
  python3 "$SSELOAD_DIR/bench.py" "${mode[@]}" --target "$TARGETS" --name watchgate \
    --ts-scheduled --warmup "$WARMUP" --settle "$SETTLE" \
    --server-cmd "$SERVER" \
    --ready-url 'http://127.0.0.1:8080/actuator/health' \
    --pub-url 'http://127.0.0.1:8080/api/v1/notification' \
    --sub-template '/watch/local?event_type=bench&ch={run}_%d' \
    --body-template '{"event_type":"bench","identifier":{"ch":"{run}_%c"},"payload":%p}' \
    --event-type message --out "$RESULTS" --conns "$1" --channels "$2" --rate "$3"
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
