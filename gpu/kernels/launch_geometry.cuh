#pragma once
// How the backend's kernels size their grids, in one place.

#include <algorithm>
#include <cstdint>

namespace tb::gpu {

constexpr int threads_per_block = 256;
// Grid-stride loops cap their grid here: enough blocks to fill an H100 (132 SMs x 2048 threads) a
// few times over, few enough that a block's launch cost is amortised over many elements.
constexpr std::int64_t max_grid_stride_blocks = 4096;

inline unsigned int grid_stride_blocks(std::int64_t count) {
    const std::int64_t blocks = (count + threads_per_block - 1) / threads_per_block;
    return static_cast<unsigned int>(std::clamp<std::int64_t>(blocks, 1, max_grid_stride_blocks));
}

}  // namespace tb::gpu
