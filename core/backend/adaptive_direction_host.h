#pragma once
// The arithmetic of Backend::adaptive_direction on host memory, and the argument checks every
// implementation of it runs. The default implementation stages device data through these; a CPU
// backend can call adaptive_direction_on_host on its own memory directly.

#include <cstdint>

#include "core/backend/backend.h"

namespace tb {

// `count` consecutive elements: weights, gradient and direction aligned, moments aligned with them (or
// null without moments). The norms are accumulated in double.
DirectionNorms adaptive_direction_on_host(const float* weights, const float* gradient, float* first_moment,
                                          float* second_moment, float* direction, std::int64_t count,
                                          const AdaptiveDirectionParameters& parameters);

// Throws std::invalid_argument naming the argument that does not fit (shapes, missing moments, betas
// outside [0, 1), a non-positive epsilon).
void check_adaptive_direction_arguments(ConstMatrixView weights, const std::int32_t* rows, ConstMatrixView gradient,
                                        const float* first_moment, const float* second_moment,
                                        ConstMatrixView direction, const AdaptiveDirectionParameters& parameters);

}  // namespace tb
