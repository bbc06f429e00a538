#!/usr/bin/env bash
# Builds the whole suite with AddressSanitizer and UndefinedBehaviorSanitizer (GCC) in ./build-sanitize
# and runs it with CTest; any memory error, leak or undefined behaviour fails the test it happens in.
# Extra arguments go to ctest (for example: scripts/sanitize.sh -L data).
#
# The CUDA backend is left out: the CUDA runtime maps memory where ASan keeps its shadow, and the GPU
# tests would skip on a machine without a GPU anyway. Timeouts are four times the usual ones. Warnings
# are not errors here (CMakeLists.txt says why); the normal build keeps them errors.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -g1"
if [ ! -f build-sanitize/CMakeCache.txt ]; then
  launcher=()
  command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
  cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Release -DTB_CUDA=OFF -DTB_BENCH=OFF \
    -DTB_TEST_TIMEOUT_SCALE=4 -DTB_WARNINGS_AS_ERRORS=OFF "${launcher[@]}" \
    -DCMAKE_C_FLAGS="$flags" -DCMAKE_CXX_FLAGS="$flags" \
    -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" \
    -DCMAKE_SHARED_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
fi
jobs=$(nproc 2>/dev/null || echo 2)
cmake --build build-sanitize --parallel "$jobs"

# Leaks inside third-party libraries that the engine cannot free are listed, each with its reason, in
# tests/sanitize/leak_suppressions.txt.
# An allocation larger than the machine can give returns null (or throws std::bad_alloc from new) as it
# does without ASan, instead of ASan aborting: the backend conformance suite asks for one on purpose to
# check that the error names the buffer.
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=1:detect_stack_use_after_return=0"
export LSAN_OPTIONS="suppressions=$root/tests/sanitize/leak_suppressions.txt:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:suppressions=$root/tests/sanitize/undefined_behaviour_suppressions.txt"
# Tests that bound a duration (the UI's longest event-loop stall, the Xvfb screenshot's 12 s of
# training) scale it by this whole factor.
export TB_TIMING_SLOWDOWN=3
cd build-sanitize
ctest --output-on-failure --parallel "$jobs" "$@"
