#pragma once
// What happens to optimizer state when a model-averaging method merges its replicas: the run's
// optimizer.state_at_merge, applied to the replicas' optimizers right after their parameters were
// replaced by the merged model.
//   keep     each replica keeps its own momentum or moments (the default)
//   reset    every state buffer is zeroed and Adam-family bias correction restarts
//   average  every state buffer becomes the weighted average of the replicas' (the merge's weights),
//            staged through host memory in double, so replicas on any mix of backends merge

#include <span>
#include <string>

#include "core/optim/optimizer.h"
#include "core/optim/optimizer_kinds.h"

namespace tb {

// optimizers[i] belongs to the replica merged with weights[i]. All optimizers must be of one kind and
// one layout (one run's). Throws std::invalid_argument on an unknown policy or mismatched state.
void merge_optimizer_states(std::span<Optimizer* const> optimizers, std::span<const double> weights,
                            StateAtMerge state_at_merge);

}  // namespace tb
