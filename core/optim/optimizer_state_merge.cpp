#include "core/optim/optimizer_state_merge.h"

#include <stdexcept>
#include <vector>

namespace tb {

void merge_optimizer_states(std::span<Optimizer* const> optimizers, std::span<const double> weights,
                            StateAtMerge state_at_merge) {
    if (state_at_merge == StateAtMerge::keep) return;
    if (state_at_merge == StateAtMerge::reset) {
        for (Optimizer* optimizer : optimizers) optimizer->reset_state();
        return;
    }
    if (weights.size() != optimizers.size()) {
        throw std::invalid_argument("merge_optimizer_states: " + std::to_string(weights.size()) + " weights for " +
                                    std::to_string(optimizers.size()) + " optimizers");
    }
    if (optimizers.empty()) return;
    std::vector<std::vector<OptimizerStateArena>> states;
    for (Optimizer* optimizer : optimizers) states.push_back(optimizer->state_arenas());
    for (std::size_t k = 0; k < states.front().size(); ++k) {
        std::vector<double> sum(static_cast<std::size_t>(states.front()[k].arena->size()), 0.0);
        for (std::size_t i = 0; i < states.size(); ++i) {
            if (states[i].size() != states.front().size() || states[i][k].name != states.front()[k].name ||
                states[i][k].arena->size() != states.front()[k].arena->size()) {
                throw std::invalid_argument("merge_optimizer_states: optimizer " + std::to_string(i) +
                                            " holds different state than optimizer 0 (" + states.front()[k].name + ")");
            }
            const std::vector<float> values = states[i][k].arena->download();
            for (std::size_t j = 0; j < values.size(); ++j) sum[j] += weights[i] * values[j];
        }
        const std::vector<float> merged(sum.begin(), sum.end());
        for (auto& state : states) state[k].arena->upload(merged);
    }
}

}  // namespace tb
