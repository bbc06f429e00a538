#!/usr/bin/env bash
# Configures (once) and builds Trainbench in ./build. Extra arguments go to the first configure.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
fi
jobs=$(nproc 2>/dev/null || echo 2)
cmake --build build --parallel "$jobs"
