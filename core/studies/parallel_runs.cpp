#include "core/studies/parallel_runs.h"

#include <algorithm>
#include <atomic>
#include <thread>
#include <vector>

namespace tb {

void run_in_parallel(std::size_t count, int jobs, const std::function<void(std::size_t index)>& run) {
    std::atomic<std::size_t> next{0};
    const auto work = [&] {
        for (std::size_t i = next++; i < count; i = next++) run(i);
    };
    const int threads = std::max(1, std::min<int>(jobs, static_cast<int>(std::min<std::size_t>(count, 4096))));
    std::vector<std::thread> team;
    for (int t = 1; t < threads; ++t) team.emplace_back(work);
    work();
    for (std::thread& thread : team) thread.join();
}

}  // namespace tb
