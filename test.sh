#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with CTest, then fuzzes every reader
# for 60 s (scripts/fuzz.sh; TB_FUZZ_SECONDS sets the time per harness, 0 skips the step).
# Extra arguments go to ctest (for example: ./test.sh -L core) and run only the tests they select.
#   ./test.sh --sanitize [ctest arguments]   the suite built with ASan + UBSan instead (scripts/sanitize.sh)
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install_dependencies.sh
if [ "${1:-}" = "--sanitize" ]; then
  shift
  exec ./scripts/sanitize.sh "$@"
fi
./scripts/build.sh
jobs=$(nproc 2>/dev/null || echo 2)
(cd build && ctest --output-on-failure --parallel "$jobs" "$@")
fuzz_seconds=${TB_FUZZ_SECONDS:-60}
if [ $# -eq 0 ] && [ "$fuzz_seconds" -gt 0 ]; then
  ./scripts/fuzz.sh "$fuzz_seconds"
fi
