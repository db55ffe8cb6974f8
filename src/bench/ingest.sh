#!/usr/bin/env bash
# One upstream session's ingest through the whole gateway: the aviso test upstream replays the
# given number of notifications to the gateway (in this JVM), which decodes, journals them on a
# fresh store each round and fans them out to one SSE subscriber over HTTP. Target: 50,000/s.
# PostgreSQL: a database watchgate_bench_* is created on the tests' server (WATCHGATE_TEST_PG_URL,
# else 127.0.0.1:5432 as postgres) and dropped after each round; h2: a file in a temporary folder.
# WARMUP_ROUNDS (default 2) rounds run first and are left out of the median: the JIT compiles the
# path through them.
# Extra --key=value arguments are passed on to the gateway; WATCHGATE_BENCH_JAVA_OPTS adds JVM options
# (say -agentpath:.../libasyncProfiler.so=start,event=cpu,file=/tmp/ingest.collapsed,collapsed).
# Usage: src/bench/ingest.sh [notifications per round] [rounds] [dialect: postgresql|h2] [--key=value...]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
. src/bench/lib.sh
bench_jdk
bench_test_classpath gateway
"$JAVA" -Xms1g -Xmx1g -XX:+UseParallelGC --enable-native-access=ALL-UNNAMED \
  -Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener \
  -Dwatchgate.bench.warmup-rounds="${WARMUP_ROUNDS:-2}" ${WATCHGATE_BENCH_JAVA_OPTS:-} \
  -cp "$BENCH_CLASSPATH" \
  io.watchgate.gateway.bench.GatewayIngest "${1:-200000}" "${2:-5}" "${3:-postgresql}" "${@:4}"
