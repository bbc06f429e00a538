#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz/ with Clang, ASan and UBSan in ./build-fuzz and runs each
# for SECONDS (default 60), two at a time, with CTest (label `fuzz`). Extra arguments go to ctest.
# Usage: scripts/fuzz.sh [SECONDS] [ctest arguments...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=60
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
clang_c=$(command -v clang-14 || command -v clang || true)
clang_cxx=$(command -v clang++-14 || command -v clang++ || true)
if [ -z "$clang_cxx" ]; then
  echo "error: the fuzz harnesses need clang++ (apt-get install clang-14 libclang-rt-14-dev)" >&2
  exit 1
fi
if [ ! -f build-fuzz/CMakeCache.txt ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  # Only the engine and the harnesses: no Qt, no CUDA, no tests or benchmarks.
  cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$clang_c" \
    -DCMAKE_CXX_COMPILER="$clang_cxx" -DTB_FUZZ=ON -DTB_GUI=OFF -DTB_TESTS=OFF -DTB_BENCH=OFF -DTB_CUDA=OFF \
    "${launcher[@]}" >/dev/null
fi
cmake -S . -B build-fuzz -DTB_FUZZ_SECONDS="$seconds" >/dev/null
jobs=$(nproc 2>/dev/null || echo 2)
cmake --build build-fuzz --parallel "$jobs" --target fuzz_harnesses
cd build-fuzz
# Each harness uses one core; CTest runs as many at a time as there are cores.
ctest --output-on-failure --verbose --parallel "$jobs" -L fuzz "$@"
