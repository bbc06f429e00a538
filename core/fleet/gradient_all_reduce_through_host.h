#pragma once
// The through-host route of the gradient all-reduce (gradient_all_reduce.h): every worker's gradient is
// downloaded, summed in double precision in worker order and uploaded again. Any mix of backends works
// and the result is deterministic. The in-place route also comes here for row-sparse segments
// when the fleet spans several memory domains, since the device collective only sums buffers of one
// shape and the workers' touched rows differ.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/fleet/worker.h"

namespace tb {

// Each returns the bytes every device would send in a ring all-reduce of what it summed. contributes[i]
// false: worker i adds nothing but still receives the sum.
double reduce_dense_segment_through_host(std::vector<Worker>& workers, const std::vector<char>& contributes,
                                         const ParameterSegment& segment);
// Sums over the union of the rows the contributing workers touched.
double reduce_row_sparse_segment_through_host(std::vector<Worker>& workers, const std::vector<char>& contributes,
                                              std::size_t segment_index, std::int64_t cols);
double all_reduce_gradients_through_host(std::vector<Worker>& workers, const std::vector<char>& contributes);

}  // namespace tb
