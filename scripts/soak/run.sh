#!/usr/bin/env bash
# Soak run (not part of CI): N messages through the pool against the test Postfix, heap sampled.
# SoakRunner is a main, not a JUnit test: it sits in the mta test package beside the MTA ITs
# (*IT, Failsafe, -Pmta) but neither Surefire nor Failsafe picks it up; this script runs it.
#
#   scripts/mta/start.sh
#   scripts/soak/run.sh [messages]        # default 100000; SOAK_OPTS="-Dsoak.pool=4 -Dsoak.threads=8 ..."
#   scripts/mta/stop.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
messages=${1:-100000}
module=pipelining-smtp-spring-boot-autoconfigure
# compile in the reactor (nothing is installed into ~/.m2); test-support comes from its target/
mvn -B -q ${MVN_OFFLINE:--o} -pl "$module" -am test-compile dependency:build-classpath -Dmdep.includeScope=test \
  -Dmdep.outputFile=target/soak-classpath.txt
cp="$module/target/test-classes:$module/target/classes:$(cat "$module/target/soak-classpath.txt")"
exec java -Xmx256m ${SOAK_OPTS:-} -Dsoak.messages="$messages" -Dmta.state="$PWD/target/mta/mta.properties" \
  -cp "$cp" io.github.pipeliningsmtp.mta.SoakRunner
