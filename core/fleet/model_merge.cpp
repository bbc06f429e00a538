#include "core/fleet/model_merge.h"

#include <stdexcept>

#include "core/optim/optimizer_state_merge.h"

namespace tb {

std::vector<float> download_parameters(Worker& worker) { return worker.replica->parameters().download(); }

std::vector<float> weighted_average(std::vector<Worker>& workers, std::span<const double> weights) {
    if (weights.size() != workers.size()) throw std::invalid_argument("one merge weight per worker is needed");
    std::vector<double> sum;
    for (std::size_t i = 0; i < workers.size(); ++i) {
        const std::vector<float> parameters = download_parameters(workers[i]);
        if (sum.empty()) sum.assign(parameters.size(), 0.0);
        for (std::size_t k = 0; k < parameters.size(); ++k) sum[k] += weights[i] * static_cast<double>(parameters[k]);
    }
    return std::vector<float>(sum.begin(), sum.end());
}

void load_parameters(std::vector<Worker>& workers, const std::vector<float>& parameters) {
    for (Worker& worker : workers) worker.replica->parameters().upload(parameters);
}

void merge_optimizer_states(std::vector<Worker>& workers, std::span<const double> weights,
                            StateAtMerge state_at_merge) {
    std::vector<Optimizer*> optimizers;
    for (Worker& worker : workers) optimizers.push_back(&worker.replica->optimizer());
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
