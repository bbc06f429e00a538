#pragma once
// Backend::weighted_sum for any number of sources: one call takes at most max_weighted_sum_sources, so a
// larger set is summed in passes, each carrying the running sum in as a source of weight 1 (one more
// float rounding per pass). No source at all gives zeros. The merges and the gradient all-reduce of
// replicas that share memory.

#include <cstdint>
#include <span>

#include "core/backend/backend.h"

namespace tb {

void weighted_sum_in_passes(Backend& backend, std::span<const float* const> sources, std::span<const double> weights,
                            float* out, std::int64_t count);

}  // namespace tb
