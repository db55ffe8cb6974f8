#!/usr/bin/env bash
# One session's decode-and-deliver throughput over loopback (core only).
# Usage: src/bench/core-throughput.sh [notifications per round] [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
. src/bench/lib.sh
bench_jdk
bench_test_classpath core
"$JAVA" -Xms512m -Xmx512m -XX:+UseParallelGC \
  -cp "$BENCH_CLASSPATH" \
  io.watchgate.core.bench.SessionThroughput "${1:-200000}" "${2:-5}"
