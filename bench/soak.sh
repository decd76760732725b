#!/usr/bin/env bash
# Soak (issue 9, property 6): bench/load.sh for 10 minutes (DURATION, seconds), RSS every 30 s, with the verdict on
# whether the resident set stays flat over the second half. Outside CI: about 10.5 minutes with the binaries built.
#
#   BENCH_SKIP_BUILD=1 bench/soak.sh
DURATION="${DURATION:-600}" SAMPLE_EVERY="${SAMPLE_EVERY:-30}" REPORT_NAME=soak exec "$(dirname "$0")/load.sh"
