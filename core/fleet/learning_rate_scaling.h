#pragma once
// Learning rates that follow a worker's batch size: the linear scaling rule (Goyal et al., "Accurate,
// Large Minibatch SGD: Training ImageNet in 1 Hour", 2017), lr = base * batch / reference_batch, which
// Adaptive SGD applies per worker with reference batch_max.

#include <cstdint>

namespace tb {

inline double linearly_scaled_learning_rate(double base, std::int64_t batch, std::int64_t reference_batch) {
    return base * static_cast<double>(batch) / static_cast<double>(reference_batch);
}

}  // namespace tb
