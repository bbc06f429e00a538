#pragma once
// Merging the replicas of a fleet, the one home of every model-averaging method's merge: a weighted
// average of the workers' parameters (Adaptive SGD's normalized merge, model averaging's plain mean),
// loading one parameter vector into every replica, and heavy-ball momentum on the sequence of merged
// models. Merges stage through host memory in double-precision sums, so any mix of backends merges and
// the result does not depend on the order of the workers.

#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "core/fleet/worker.h"
#include "core/optim/optimizer_kinds.h"

namespace tb {

class ProcessGroup;

std::vector<float> download_parameters(Worker& worker);
// sum_i weights[i] * parameters of worker i. Across the ranks of a distributed run (across_ranks not
// null) each rank sums its own workers and the ranks' sums meet in an all-reduce in double: every rank
// gets the whole sum.
std::vector<float> weighted_average(std::vector<Worker>& workers, std::span<const double> weights,
                                    ProcessGroup* across_ranks = nullptr);
// Into every worker of this process.
void load_parameters(std::vector<Worker>& workers, const std::vector<float>& parameters);
// Applies optimizer.state_at_merge to the workers' optimizer state after load_parameters: keep it,
// reset it, or average it with the merge's weights (core/optim/optimizer_state_merge.h).
void merge_optimizer_states(std::vector<Worker>& workers, std::span<const double> weights,
                            StateAtMerge state_at_merge);
// Bytes of one replica's parameters: what a merge moves per device.
double parameter_bytes(const Worker& worker);

// Momentum across merges: with w the previous merged model and v its last displacement, a new merge
// result m becomes w + (m - w) + mu * v, i.e. heavy-ball momentum (Polyak 1964) with one merge period as
// one step.
class MergeMomentum {
public:
    // `start`: the model every replica starts from (the displacement starts at zero).
    MergeMomentum(double momentum, std::vector<float> start) : momentum_(momentum), previous_(std::move(start)) {}
    void apply(std::vector<float>& merged);

private:
    double momentum_;
    std::vector<float> previous_;
    std::vector<float> displacement_;
};

}  // namespace tb
