#pragma once
// Sums the gradients of every worker's replica and gives each replica the sum, as an all-reduce does:
// synchronous data parallelism (sync_sgd), where every replica then takes the same update. Dense
// segments are summed element by element; a row-sparse segment (the sparse input layer) is summed over
// the union of the rows the workers touched, so untouched rows still cost nothing.
//
// It takes the fleet's memory plan (fleet_memory_plan.h). In place (CPU fleets, the partitions of a
// GPU, GPUs joined by NCCL), each group's leader sums its members with its own operations into buffers
// it keeps between steps, so a step allocates nothing once the row unions stop growing and only the
// row lists of the sparse segments cross the host bus. Through host (mixed fleets), gradients are
// downloaded and summed in double precision in worker order (gradient_all_reduce_through_host.h). The
// dense sums agree to the bit (Backend::weighted_sum adds in double and rounds once); the sparse rows
// are gathered in place by a float product, so there the routes agree up to float rounding.

#include <cstdint>
#include <vector>

#include "core/backend/device_buffer.h"
#include "core/fleet/fleet_memory_plan.h"
#include "core/fleet/worker.h"

namespace tb {

class GradientAllReduce {
public:
    // Throws std::invalid_argument when an in-place plan does not place every worker in exactly
    // one group, or has several groups and no collective; DeviceError when a leader cannot hold the
    // dense sums (naming them).
    GradientAllReduce(std::vector<Worker>& workers, FleetMemoryPlan plan);

    // `contributes[i]` false: worker i computed no gradient this step (its buffers hold an old one); it
    // adds nothing but still receives the sum. Returns the bytes each device would send in a ring
    // all-reduce of these gradients (dense segments plus the union of touched rows), for the simulated
    // clock; both routes return the same count. Every backend has finished the work on return.
    double run(const std::vector<char>& contributes);

    const FleetMemoryPlan& plan() const { return plan_; }

private:
    // What one group's leader keeps between steps, in its own memory.
    struct GroupScratch {
        // Every dense segment's sum, packed one after another, so one collective call joins them all.
        DeviceBuffer<float> dense_sums;
        // The union of the members' rows of a row-sparse segment and the summed values of those rows.
        DeviceBuffer<std::int32_t> union_rows;
        DeviceBuffer<float> union_values;
        // The selection matrices' shared parts: a member's rows, being sorted, appear in the union in
        // their own order, so its nonzeros' columns are 0, 1, 2, ... and every value is 1.
        DeviceBuffer<std::int32_t> ascending_columns;
        DeviceBuffer<float> ones;
        // Per member: where each union row's nonzero (if any) starts, in host and device memory.
        std::vector<std::vector<std::int64_t>> host_selection_offsets;
        std::vector<DeviceBuffer<std::int64_t>> selection_offsets;
    };

    double run_in_place(const std::vector<char>& contributes);
    void sum_dense_segments_within_group(std::size_t group_index, const std::vector<char>& contributes);
    void copy_dense_sums_to_members(std::size_t group_index);
    double reduce_row_sparse_segment_within_group(std::size_t group_index, const std::vector<char>& contributes,
                                                  std::size_t segment_index, std::int64_t cols);
    void grow_selection_columns(GroupScratch& scratch, Backend& leader, std::int64_t count);

    std::vector<Worker>& workers_;
    FleetMemoryPlan plan_;
    std::vector<std::size_t> dense_segment_indices_;
    std::vector<std::int64_t> packed_offsets_;  // per dense segment, into GroupScratch::dense_sums
    std::int64_t packed_size_ = 0;
    std::vector<GroupScratch> group_scratch_;
    // The collective's arguments, fixed for the run: the dense sums are never reallocated.
    std::vector<Backend*> collective_leaders_;
    std::vector<float*> collective_sums_;
    std::vector<float> collective_weights_;
    // Host staging of the row-sparse segments, kept so that a warm step allocates nothing here either.
    std::vector<std::vector<std::int32_t>> member_rows_;  // per worker
    std::vector<std::int32_t> union_rows_;
};

}  // namespace tb
