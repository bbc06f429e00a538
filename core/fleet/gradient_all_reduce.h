#pragma once
// Sums the gradients of every worker's replica and gives each replica the sum, as an all-reduce does:
// synchronous data parallelism (sync_sgd), where every replica then takes the same update. Dense
// segments are summed element by element; a row-sparse segment (the sparse input layer) is summed over
// the union of the rows the workers touched, so untouched rows still cost nothing. Staged through host
// memory, in double precision, in worker order: the result is deterministic.

#include <vector>

#include "core/fleet/worker.h"

namespace tb {

// `contributes[i]` false: worker i computed no gradient this step (its buffers hold an old one); it adds
// nothing but still receives the sum. Returns the bytes each device would send in a ring all-reduce of
// these gradients (dense segments plus the union of touched rows), for the simulated clock.
double all_reduce_gradients(std::vector<Worker>& workers, const std::vector<char>& contributes);

}  // namespace tb
