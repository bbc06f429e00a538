#pragma once
// The kind-ed choices of the `optimizer` section as enums, parsed once from the config's strings.

#include "core/config/enum_names.h"

namespace tb {

enum class OptimizerKind { sgd, adam, adamw, lars, lamb };
enum class LearningRateScheduleKind { constant, step, cosine, polynomial };
// What a model-averaging method does with the optimizer state when replicas merge (see
// merge_optimizer_states): each keeps its own, zeroed, or merged with the parameters' weights.
enum class StateAtMerge { keep, reset, average };

const EnumNames<OptimizerKind>& optimizer_kind_names();
const EnumNames<LearningRateScheduleKind>& schedule_kind_names();
const EnumNames<StateAtMerge>& state_at_merge_names();

// What each kind reads, for the field table's conditions.
inline bool uses_moment_estimates(OptimizerKind kind) {
    return kind == OptimizerKind::adam || kind == OptimizerKind::adamw || kind == OptimizerKind::lamb;
}
inline bool uses_heavy_ball_momentum(OptimizerKind kind) { return kind == OptimizerKind::sgd || kind == OptimizerKind::lars; }
inline bool adapts_per_layer(OptimizerKind kind) { return kind == OptimizerKind::lars || kind == OptimizerKind::lamb; }

}  // namespace tb
