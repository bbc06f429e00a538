#pragma once
// The parameters of Backend::adaptive_direction widened to double once per call, with 1 - beta formed in
// double as the default implementation does, so the CPU loops and the CUDA kernel start every element
// from the same constants. A plain aggregate: the kernel takes it by value.

#include "core/backend/backend.h"

namespace tb {

struct DirectionConstants {
    double gradient_scale;
    double l2_weight_decay;
    double decoupled_weight_decay;
    double beta1;
    double beta2;
    double one_minus_beta1;
    double one_minus_beta2;
    double epsilon;
    double first_moment_correction;
    double second_moment_correction;
};

inline DirectionConstants direction_constants_of(const AdaptiveDirectionParameters& p) {
    return {p.gradient_scale,
            p.l2_weight_decay,
            p.decoupled_weight_decay,
            p.beta1,
            p.beta2,
            1.0 - static_cast<double>(p.beta1),
            1.0 - static_cast<double>(p.beta2),
            p.epsilon,
            p.first_moment_correction,
            p.second_moment_correction};
}

}  // namespace tb
