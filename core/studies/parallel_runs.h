#pragma once
// Running a study's independent runs several at a time. Simulated-clock runs are single-threaded and
// deterministic, so a study of hundreds of them finishes as many times sooner as there are cores; wall-
// clock runs would measure each other and should run one at a time (jobs = 1).

#include <cstddef>
#include <functional>

namespace tb {

// Calls run(i) for every i in [0, count), at most `jobs` at once (the caller's thread is one of them),
// each index exactly once, in increasing order of start. Returns when all have returned; run must not
// throw.
void run_in_parallel(std::size_t count, int jobs, const std::function<void(std::size_t index)>& run);

}  // namespace tb
