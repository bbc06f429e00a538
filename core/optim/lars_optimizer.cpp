#include "core/optim/lars_optimizer.h"

#include <cmath>

#include "core/optim/gradient_clipping.h"
#include "core/optim/trust_ratio.h"

namespace tb {

LarsOptimizer::LarsOptimizer(Backend& backend, const ArenaLayout& layout, const LarsConfig& config)
    : backend_(backend), config_(config), treatments_(treat_segments(layout, config.segments)), directions_(backend, layout) {
    if (config_.momentum != 0.0f) {
        velocity_.emplace(backend, layout, "LARS momentum");
        reset_state();
    }
}

void LarsOptimizer::reset_state() {
    if (velocity_) backend_.fill(velocity_->data(), velocity_->size(), 0.0f);
}

std::vector<OptimizerStateArena> LarsOptimizer::state_arenas() {
    if (!velocity_) return {};
    return {{"velocity", &*velocity_}};
}

void LarsOptimizer::step(ParameterArena& parameters, const Gradients& gradients, float learning_rate) {
    const ArenaLayout& layout = parameters.layout();
    AdaptiveDirectionParameters direction_parameters;
    direction_parameters.moments = false;
    direction_parameters.gradient_scale =
        gradient_clipping_scale(backend_, layout, gradients, config_.clip_global_norm);
    adaptation_.clear();
    for (std::size_t i = 0; i < layout.segments().size(); ++i) {
        const SegmentGradient gradient = segment_gradient(layout, gradients, i);
        if (gradient.empty()) continue;
        const float decay = treatments_[i].weight_decay ? config_.weight_decay : 0.0f;
        direction_parameters.decoupled_weight_decay = decay;
        const MatrixView weights = parameters.segment(i);
        const MatrixView direction = directions_.for_segment(i, gradient);
        const DirectionNorms norms = backend_.adaptive_direction(weights, gradient.rows, gradient.values, nullptr,
                                                                 nullptr, direction, direction_parameters);
        double trust = 1.0;
        if (treatments_[i].layer_adaptation) {
            const double weight_norm = std::sqrt(norms.weights);
            const double gradient_norm = std::sqrt(norms.gradient);
            trust = lars_trust_ratio(weight_norm, gradient_norm, config_.trust_coefficient, decay);
            adaptation_.push_back({layout.segment(i).name, trust, weight_norm, gradient_norm});
        }
        backend_.scale(direction.data, direction.size(), static_cast<float>(learning_rate * trust));
        momentum_step(backend_, weights, gradient, direction, velocity_ ? velocity_->segment(i).data : nullptr,
                      config_.momentum, config_.nesterov);
    }
}

nlohmann::json LarsOptimizer::describe() const {
    return {{"kind", "lars"},
            {"momentum", config_.momentum},
            {"nesterov", config_.nesterov},
            {"weight_decay", config_.weight_decay},
            {"trust_coefficient", config_.trust_coefficient},
            {"clip_global_norm", config_.clip_global_norm}};
}

}  // namespace tb
