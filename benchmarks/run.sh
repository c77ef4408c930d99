#!/usr/bin/env bash
# Runs the benchmarks of issues 6 and 14: builds what is needed, then runs every scenario and prints
# a table per scenario, PASS/FAIL per target and, as the last line, a machine-readable "bench:" summary.
# Postfix rows need the private Postfix running first (scripts/mta/start.sh; stop it with
# scripts/mta/stop.sh): the runner reads target/mta/mta.properties and skips them when it is missing.
#
#   benchmarks/run.sh            full run (about 15 minutes on 2 cores with Postfix, see BENCHMARKS.md)
#   benchmarks/run.sh --quick    shorter measurements (about 5 minutes with Postfix)
#   benchmarks/run.sh --jfr      also record a JFR profile to benchmarks/target/bench.jfr
#
# The tables are also written to benchmarks/target/bench-results.md.
set -euo pipefail
cd "$(dirname "$0")/.."

args=()
jvm=()
for a in "$@"; do
  case "$a" in
    --jfr) jvm+=("-XX:StartFlightRecording=filename=benchmarks/target/bench.jfr,settings=profile") ;;
    *) args+=("$a") ;;
  esac
done

# offline first (everything is in the local repository after one build), online if that fails
mvn -q -B -o -pl benchmarks -am package -DskipTests || mvn -q -B -pl benchmarks -am package -DskipTests

exec java "${jvm[@]}" -cp "benchmarks/target/classes:$(cat benchmarks/target/classpath.txt)" \
  io.github.pipeliningsmtp.benchmarks.BenchmarkRunner "${args[@]}"
