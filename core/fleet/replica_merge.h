#pragma once
// The merge step of the model-averaging methods (Adaptive SGD's normalized merge, model averaging's
// plain mean): every replica becomes sum_i weights[i] * w_i, then, where the method asks for it,
// heavy-ball momentum on the sequence of merged models (MergeMomentum in model_merge.h).
//
// It takes the fleet's memory plan (fleet_memory_plan.h). In place, each group's leader keeps the
// merge's working buffers (the sum, and with momentum the previous merged model and its last
// displacement) between merges, so a merge allocates nothing once the first is done and no replica is
// copied through the host. Through host, it is model_merge.h's download, double sum and upload; across
// the ranks of a distributed run, each rank's sum joins the others' in the process group's all-reduce,
// and every rank applies the same momentum step to the same sum.
// Both routes sum each element in double in worker order and round it once (Backend::weighted_sum), so
// their merged models agree; the momentum step is float arithmetic on both, in a different order.

#include <optional>
#include <span>
#include <vector>

#include "core/backend/device_buffer.h"
#include "core/fleet/fleet_memory_plan.h"
#include "core/fleet/model_merge.h"
#include "core/fleet/worker.h"

namespace tb {

class ReplicaMerge {
public:
    // merge_momentum: none for a plain average; a value (0 included) for heavy-ball momentum across
    // merges, starting from the replicas' current parameters, which must all be equal (a run's start).
    ReplicaMerge(std::vector<Worker>& workers, FleetMemoryPlan plan, std::optional<double> merge_momentum);

    // One weight per worker. Every replica holds the merged model afterwards, and every backend has
    // finished the work. Throws std::invalid_argument for a wrong number of weights, DeviceError when a
    // device cannot hold the merge's buffers (naming them).
    void merge(std::span<const double> weights);

    const FleetMemoryPlan& plan() const { return plan_; }

private:
    struct GroupBuffers {
        DeviceBuffer<float> sum;
        DeviceBuffer<float> previous;      // the previous merged model (with momentum)
        DeviceBuffer<float> displacement;  // its last step (with momentum)
    };

    void merge_through_host(std::span<const double> weights);
    void merge_in_place(std::span<const double> weights);
    // Sums the group's replicas, weighted, into its leader's buffer.
    void sum_group(const std::vector<int>& group, std::span<const double> weights, GroupBuffers& buffers);

    std::vector<Worker>& workers_;
    FleetMemoryPlan plan_;
    std::optional<double> merge_momentum_;
    std::optional<MergeMomentum> host_momentum_;
    std::vector<GroupBuffers> group_buffers_;
};

}  // namespace tb
