#pragma once
// The through-host route of the gradient all-reduce (gradient_all_reduce.h): every worker's gradient is
// downloaded, summed in double precision in worker order and uploaded again. Any mix of backends works
// and the result is deterministic. The in-place route also comes here for row-sparse segments
// when the fleet spans several memory domains, since the device collective only sums buffers of one
// shape and the workers' touched rows differ.
//
// Across the ranks of a distributed run (across_ranks not null), each rank sums its own workers in
// double, the ranks' sums meet in the process group's all-reduce in double, and the result goes to the
// rank's own workers; a row-sparse segment is summed over the union of every rank's rows, which the ranks
// gather first. Workers of other ranks are skipped here (Worker::local).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/fleet/worker.h"

namespace tb {

class ProcessGroup;

// Each returns the bytes every device would send in a ring all-reduce of what it summed. contributes[i]
// false: worker i adds nothing but still receives the sum.
double reduce_dense_segment_through_host(std::vector<Worker>& workers, const std::vector<char>& contributes,
                                         const ParameterSegment& segment, ProcessGroup* across_ranks = nullptr);
// Sums over the union of the rows the contributing workers touched.
double reduce_row_sparse_segment_through_host(std::vector<Worker>& workers, const std::vector<char>& contributes,
                                              std::size_t segment_index, std::int64_t cols,
                                              ProcessGroup* across_ranks = nullptr);
double all_reduce_gradients_through_host(std::vector<Worker>& workers, const std::vector<char>& contributes,
                                         ProcessGroup* across_ranks = nullptr);

}  // namespace tb
