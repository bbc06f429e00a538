#pragma once
// Launcher for the fused Adam-family and layer-wise direction (adaptive_direction_kernel.cu): one kernel
// updates the moments, applies bias correction and both kinds of weight decay, writes the direction and
// sums the three squared norms per block; a second, one-block kernel adds the block sums in index order.
// Shapes were checked by the caller (check_adaptive_direction_arguments); counts are elements.

#include <cuda_runtime_api.h>

#include <cstdint>

#include "core/backend/backend.h"

namespace tb::gpu {

// What the second kernel leaves in `result`, in this order.
enum AdaptiveDirectionResult : int {
    weights_norm_squared = 0,
    gradient_norm_squared = 1,
    direction_norm_squared = 2,
    // Touched elements whose row index lies outside the weights: they are skipped, and the caller
    // reports the call as invalid (the indices live in device memory, so only the kernel sees them).
    elements_with_invalid_row = 3,
    adaptive_direction_result_count = 4,
};

// The doubles of `partials` scratch a call over `count` touched elements needs.
std::int64_t adaptive_direction_partials_size(std::int64_t count);

// The computation of Backend::adaptive_direction (backend.h) on device memory; rows null for a dense
// segment. result receives adaptive_direction_result_count doubles. count == gradient.size() must be
// above 0.
void launch_adaptive_direction(ConstMatrixView weights, const std::int32_t* rows, ConstMatrixView gradient,
                               float* first_moment, float* second_moment, MatrixView direction,
                               const AdaptiveDirectionParameters& parameters, double* partials, double* result,
                               cudaStream_t stream);

}  // namespace tb::gpu
