#include "core/optim/adam_optimizer.h"

#include "core/optim/gradient_clipping.h"

namespace tb {

AdamOptimizer::AdamOptimizer(Backend& backend, const ArenaLayout& layout, const AdamConfig& config)
    : backend_(backend),
      config_(config),
      treatments_(treat_segments(layout, config.segments)),
      moments_(backend, layout, config.moments),
      directions_(backend, layout) {}

void AdamOptimizer::step(ParameterArena& parameters, const Gradients& gradients, float learning_rate) {
    const ArenaLayout& layout = parameters.layout();
    AdaptiveDirectionParameters direction_parameters = moments_.begin_step();
    direction_parameters.gradient_scale =
        gradient_clipping_scale(backend_, layout, gradients, config_.clip_global_norm);
    for (std::size_t i = 0; i < layout.segments().size(); ++i) {
        const SegmentGradient gradient = segment_gradient(layout, gradients, i);
        if (gradient.empty()) continue;
        const float decay = treatments_[i].weight_decay ? config_.weight_decay : 0.0f;
        direction_parameters.l2_weight_decay = config_.decoupled_weight_decay ? 0.0f : decay;
        direction_parameters.decoupled_weight_decay = config_.decoupled_weight_decay ? decay : 0.0f;
        const MatrixView weights = parameters.segment(i);
        const MatrixView direction = directions_.for_segment(i, gradient);
        backend_.adaptive_direction(weights, gradient.rows, gradient.values, moments_.first_moment(i),
                                    moments_.second_moment(i), direction, direction_parameters);
        move_along(backend_, weights, gradient, direction, learning_rate);
    }
}

nlohmann::json AdamOptimizer::describe() const {
    return {{"kind", config_.decoupled_weight_decay ? "adamw" : "adam"},
            {"beta1", config_.moments.beta1},
            {"beta2", config_.moments.beta2},
            {"epsilon", config_.moments.epsilon},
            {"bias_correction", config_.moments.bias_correction},
            {"weight_decay", config_.weight_decay},
            {"clip_global_norm", config_.clip_global_norm}};
}

}  // namespace tb
