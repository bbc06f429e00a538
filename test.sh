#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite with CTest.
# Extra arguments go to ctest (for example: ./test.sh -L core).
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install_dependencies.sh
./scripts/build.sh
cd build
jobs=$(nproc 2>/dev/null || echo 2)
ctest --output-on-failure --parallel "$jobs" "$@"
