#include "core/fleet/model_merge.h"

#include <stdexcept>

#include "core/session/process_group.h"

#include "core/optim/optimizer_state_merge.h"

namespace tb {

std::vector<float> download_parameters(Worker& worker) { return worker.replica->parameters().download(); }

std::vector<float> weighted_average(std::vector<Worker>& workers, std::span<const double> weights, ProcessGroup* across_ranks) {
    if (weights.size() != workers.size()) throw std::invalid_argument("one merge weight per worker is needed");
    const std::int64_t size = first_local_worker(workers).replica->parameters().size();
    std::vector<double> sum(static_cast<std::size_t>(size), 0.0);
    for (std::size_t i = 0; i < workers.size(); ++i) {
        if (!workers[i].local()) continue;
        const std::vector<float> parameters = download_parameters(workers[i]);
        for (std::size_t k = 0; k < parameters.size(); ++k) sum[k] += weights[i] * static_cast<double>(parameters[k]);
    }
    if (across_ranks != nullptr) across_ranks->all_reduce_sum(sum);
    return std::vector<float>(sum.begin(), sum.end());
}

void load_parameters(std::vector<Worker>& workers, const std::vector<float>& parameters) {
    for (Worker& worker : workers) {
        if (worker.local()) worker.replica->parameters().upload(parameters);
    }
}

void merge_optimizer_states(std::vector<Worker>& workers, std::span<const double> weights,
                            StateAtMerge state_at_merge) {
    std::vector<Optimizer*> optimizers;
    for (Worker& worker : workers) {
        if (worker.local()) continue;
        // Averaging state would need its own all-reduce across the ranks; a distributed run is refused
        // that setting at start (distributed_run_check.h), so this is a programming error.
        if (state_at_merge == StateAtMerge::average) throw std::logic_error("optimizer states averaged across ranks");
    }
    for (Worker& worker : workers) {
        if (worker.local()) optimizers.push_back(&worker.replica->optimizer());
    }
    merge_optimizer_states(std::span<Optimizer* const>(optimizers), weights, state_at_merge);
}

double parameter_bytes(const Worker& worker) {
    return static_cast<double>(worker.replica->parameters().layout().parameter_count()) * sizeof(float);
}

void MergeMomentum::apply(std::vector<float>& merged) {
    if (merged.size() != previous_.size()) throw std::invalid_argument("merged model and momentum state differ in size");
    if (displacement_.empty()) displacement_.assign(merged.size(), 0.0f);
    const auto mu = static_cast<float>(momentum_);
    for (std::size_t k = 0; k < merged.size(); ++k) {
        const float step = merged[k] - previous_[k] + mu * displacement_[k];
        displacement_[k] = step;
        merged[k] = previous_[k] + step;
    }
    previous_ = merged;
}

}  // namespace tb
