// CpuBackend::weighted_sum: the model merge of replicas in host memory. Elements are taken in blocks,
// each block's products accumulated in double in a small buffer source after source, so every source is
// read as one sequential stream (the prefetchers see n streams, not n strided gathers) and each element
// is still summed in source order and rounded once: the same bits for any thread count.

#include <algorithm>
#include <array>

#include "core/backend/cpu_backend.h"
#include "core/backend/operation_shape_checks.h"

namespace tb {
namespace {

// 8 KiB of double accumulators: they stay in L1 while the block's sources stream through.
constexpr std::int64_t weighted_sum_block = 1024;

}  // namespace

void CpuBackend::weighted_sum(std::span<const float* const> sources, std::span<const double> weights, float* out,
                              std::int64_t count) {
    check_weighted_sum_arguments(sources, weights, out, count);
    const std::int64_t blocks = (count + weighted_sum_block - 1) / weighted_sum_block;
    const int threads = threads_for(count * static_cast<std::int64_t>(sources.size()));
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t block = 0; block < blocks; ++block) {
        const std::int64_t first = block * weighted_sum_block;
        const std::int64_t length = std::min(weighted_sum_block, count - first);
        std::array<double, weighted_sum_block> total{};
        for (std::size_t s = 0; s < sources.size(); ++s) {
            const float* source = sources[s] + first;
            const double weight = weights[s];
#pragma omp simd
            for (std::int64_t i = 0; i < length; ++i) total[static_cast<std::size_t>(i)] += weight * static_cast<double>(source[i]);
        }
        // Written only after every source was read, so out may be one of them.
        for (std::int64_t i = 0; i < length; ++i) out[first + i] = static_cast<float>(total[static_cast<std::size_t>(i)]);
    }
}

}  // namespace tb
