#pragma once
// Launcher for top-k (top_k_kernel.cu): per row, the k largest columns, largest first, ties to the
// lower column; the ranking the CPU backend uses.

#include <cuda_runtime_api.h>

#include <cstdint>

#include "core/backend/views.h"

namespace tb::gpu {

void launch_top_k(ConstMatrixView scores, int k, std::int32_t* indices, cudaStream_t stream);

}  // namespace tb::gpu
