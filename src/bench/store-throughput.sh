#!/usr/bin/env bash
# The store's throughput on PostgreSQL and H2: journal appends (8 sessions, batches of 100),
# cursor commits and journal reads, each phase for the given seconds. Exits 1 when PostgreSQL
# misses its target (20,000 appended rows/s sustained). PostgreSQL: WATCHGATE_BENCH_PG_URL,
# else the tests' server (WATCHGATE_TEST_PG_URL, else 127.0.0.1:5432 as postgres).
# Usage: src/bench/store-throughput.sh [seconds per phase] [dialects: postgresql,h2]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
. src/bench/lib.sh
bench_jdk
bench_test_classpath store
"$JAVA" -Xms512m -Xmx512m -XX:+UseParallelGC --enable-native-access=ALL-UNNAMED \
  -Dlogback.configurationFile=store/src/test/resources/logback-test.xml \
  -cp "$BENCH_CLASSPATH" \
  io.watchgate.store.bench.StoreThroughput "${1:-60}" "${2:-postgresql,h2}"
