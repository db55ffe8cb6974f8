#!/usr/bin/env bash
# One session's decode-and-deliver throughput over loopback (core only).
# Usage: src/bench/core-throughput.sh [notifications per round] [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
. src/bench/lib.sh
bench_jdk
./mvnw -B -q -pl core -DskipTests test-compile dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile=target/bench.classpath
"$JAVA" -Xms512m -Xmx512m -XX:+UseParallelGC \
  -cp "core/target/test-classes:core/target/classes:$(cat core/target/bench.classpath)" \
  \
  io.watchgate.core.bench.SessionThroughput "${1:-200000}" "${2:-5}"
