#pragma once
// The kind-ed choices of the `optimizer` section as enums, parsed once from the config's strings.

#include <cstdint>

#include "core/config/enum_names.h"

namespace tb {

enum class OptimizerKind { sgd, adam, adamw, lars, lamb };
enum class LearningRateScheduleKind { constant, step, cosine, polynomial };
// What a model-averaging method does with the optimizer state when replicas merge (see
// merge_optimizer_states): each keeps its own, zeroed, or merged with the parameters' weights.
enum class StateAtMerge { keep, reset, average };
// How a rate stated for a reference batch follows another batch b: linear, lr * b / reference (Goyal et
// al., "Accurate, Large Minibatch SGD", 2017), or square root, lr * sqrt(b / reference), the rule for
// adaptive optimizers (Malladi, Lyu, Panigrahi and Arora, "On the SDEs and Scaling Rules for Adaptive
// Gradient Algorithms", NeurIPS 2022).
enum class BatchScaling { linear, square_root };

const EnumNames<OptimizerKind>& optimizer_kind_names();
const EnumNames<LearningRateScheduleKind>& schedule_kind_names();
const EnumNames<StateAtMerge>& state_at_merge_names();
const EnumNames<BatchScaling>& batch_scaling_names();

// The rate for a batch of `batch` samples when `rate` is the rate of `reference_batch`.
double batch_scaled_rate(double rate, std::int64_t batch, std::int64_t reference_batch, BatchScaling scaling);

// What each kind reads, for the field table's conditions.
inline bool uses_moment_estimates(OptimizerKind kind) {
    return kind == OptimizerKind::adam || kind == OptimizerKind::adamw || kind == OptimizerKind::lamb;
}
inline bool uses_heavy_ball_momentum(OptimizerKind kind) { return kind == OptimizerKind::sgd || kind == OptimizerKind::lars; }
inline bool adapts_per_layer(OptimizerKind kind) { return kind == OptimizerKind::lars || kind == OptimizerKind::lamb; }

}  // namespace tb
