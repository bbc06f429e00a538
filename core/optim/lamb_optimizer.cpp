#include "core/optim/lamb_optimizer.h"

#include <cmath>

#include "core/optim/gradient_clipping.h"
#include "core/optim/trust_ratio.h"

namespace tb {

LambOptimizer::LambOptimizer(Backend& backend, const ArenaLayout& layout, const LambConfig& config)
    : backend_(backend),
      config_(config),
      treatments_(treat_segments(layout, config.segments)),
      moments_(backend, layout, config.moments),
      directions_(backend, layout) {}

void LambOptimizer::step(ParameterArena& parameters, const Gradients& gradients, float learning_rate) {
    const ArenaLayout& layout = parameters.layout();
    AdaptiveDirectionParameters direction_parameters = moments_.begin_step();
    direction_parameters.gradient_scale =
        gradient_clipping_scale(backend_, layout, gradients, config_.clip_global_norm);
    adaptation_.clear();
    for (std::size_t i = 0; i < layout.segments().size(); ++i) {
        const SegmentGradient gradient = segment_gradient(layout, gradients, i);
        if (gradient.empty()) continue;
        direction_parameters.decoupled_weight_decay = treatments_[i].weight_decay ? config_.weight_decay : 0.0f;
        const MatrixView weights = parameters.segment(i);
        const MatrixView direction = directions_.for_segment(i, gradient);
        const DirectionNorms norms = backend_.adaptive_direction(weights, gradient.rows, gradient.values,
                                                                 moments_.first_moment(i), moments_.second_moment(i),
                                                                 direction, direction_parameters);
        double trust = 1.0;
        if (treatments_[i].layer_adaptation) {
            const double weight_norm = std::sqrt(norms.weights);
            const double update_norm = std::sqrt(norms.direction);
            trust = lamb_trust_ratio(weight_norm, update_norm, config_.weight_norm_min, config_.weight_norm_max);
            adaptation_.push_back({layout.segment(i).name, trust, weight_norm, update_norm});
        }
        move_along(backend_, weights, gradient, direction, static_cast<float>(learning_rate * trust));
    }
}

nlohmann::json LambOptimizer::describe() const {
    nlohmann::json description = {{"kind", "lamb"},
                                  {"beta1", config_.moments.beta1},
                                  {"beta2", config_.moments.beta2},
                                  {"epsilon", config_.moments.epsilon},
                                  {"bias_correction", config_.moments.bias_correction},
                                  {"weight_decay", config_.weight_decay},
                                  {"clip_global_norm", config_.clip_global_norm}};
    if (config_.weight_norm_min) description["weight_norm_min"] = *config_.weight_norm_min;
    if (config_.weight_norm_max) description["weight_norm_max"] = *config_.weight_norm_max;
    return description;
}

}  // namespace tb
