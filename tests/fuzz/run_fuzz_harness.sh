#!/usr/bin/env bash
# Runs one libFuzzer harness for SECONDS on a fresh copy of its seed corpus (libFuzzer adds the inputs
# it finds to the corpus folder it is given, and the source tree must stay as it is).
# Usage: run_fuzz_harness.sh HARNESS SEED_CORPUS WORK_FOLDER SECONDS [DICTIONARY]
# Exits non-zero on any finding; the input that caused it is kept in WORK_FOLDER as crash-*, leak-*,
# timeout-* or oom-*, and `HARNESS WORK_FOLDER/crash-...` replays it.
set -euo pipefail
harness=$1 seeds=$2 work=$3 seconds=$4 dictionary=${5:-}

rm -rf "$work"
mkdir -p "$work/corpus"
cp "$seeds"/* "$work/corpus/"
options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192 -print_final_stats=1
         -artifact_prefix="$work/")
[ -n "$dictionary" ] && options+=(-dict="$dictionary")
# Undefined behaviour aborts with a stack trace (the harnesses are built with -fno-sanitize-recover).
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export ASAN_OPTIONS="detect_leaks=1"
status=0
"$harness" "${options[@]}" "$work/corpus" >"$work/fuzz.log" 2>&1 || status=$?
# The figures of the run for bench/RESULTS.md: coverage at the end, executions per second.
grep -E "^#[0-9]+[[:space:]]+DONE" "$work/fuzz.log" || true
grep -E "stat::(number_of_executed_units|average_exec_per_sec)" "$work/fuzz.log" || true
echo "corpus: $(find "$work/corpus" -type f | wc -l) inputs"
if [ "$status" -ne 0 ]; then
  echo "FINDING (exit status $status); the end of $work/fuzz.log:"
  tail -n 60 "$work/fuzz.log"
fi
exit "$status"
