#include "core/optim/sgd_optimizer.h"

#include "core/optim/gradient_clipping.h"

namespace tb {

namespace {

SegmentTreatmentRules decay_rules(const SgdConfig& config) {
    SegmentTreatmentRules rules;
    rules.exclude_vectors = !config.decay_biases;
    rules.weight_decay_exclude = config.weight_decay_exclude;
    return rules;
}

}  // namespace

SgdOptimizer::SgdOptimizer(Backend& backend, const ArenaLayout& layout, const SgdConfig& config)
    : backend_(backend), config_(config), treatments_(treat_segments(layout, decay_rules(config))) {
    if (config_.momentum != 0.0f) {
        velocity_.emplace(backend, layout, "SGD momentum");
        reset_state();
    }
    if (config_.clip_global_norm > 0) directions_.emplace(backend, layout);
}

void SgdOptimizer::reset_state() {
    if (velocity_) backend_.fill(velocity_->data(), velocity_->size(), 0.0f);
}

std::vector<OptimizerStateArena> SgdOptimizer::state_arenas() {
    if (!velocity_) return {};
    return {{"velocity", &*velocity_}};
}

void SgdOptimizer::step(ParameterArena& parameters, const Gradients& gradients, float learning_rate) {
    const ArenaLayout& layout = parameters.layout();
    const float clip_scale = gradient_clipping_scale(backend_, layout, gradients, config_.clip_global_norm);
    for (std::size_t i = 0; i < layout.segments().size(); ++i) {
        const SegmentGradient gradient = segment_gradient(layout, gradients, i);
        if (gradient.empty()) continue;
        const float decay = treatments_[i].weight_decay ? config_.weight_decay : 0.0f;
        SgdHyperparameters hyper{learning_rate, config_.momentum, decay, config_.nesterov};
        ConstMatrixView effective_gradient = gradient.values;
        if (clip_scale != 1.0f) {
            // The clipped, decayed gradient clip * g + wd * w, then SGD on it without further decay.
            AdaptiveDirectionParameters clipped;
            clipped.moments = false;
            clipped.gradient_scale = clip_scale;
            clipped.l2_weight_decay = decay;
            const MatrixView direction = directions_->for_segment(i, gradient);
            backend_.adaptive_direction(parameters.segment(i), gradient.rows, gradient.values, nullptr, nullptr,
                                        direction, clipped);
            effective_gradient = direction;
            hyper.weight_decay = 0.0f;
        }
        float* velocity = velocity_ ? velocity_->segment(i).data : nullptr;
        if (gradient.rows != nullptr) {
            backend_.sgd_update_rows(parameters.segment(i), gradient.rows, effective_gradient, velocity, hyper);
        } else {
            backend_.sgd_update(parameters.segment(i).data, effective_gradient.data, velocity, layout.segment(i).size(),
                                hyper);
        }
    }
}

nlohmann::json SgdOptimizer::describe() const {
    return {{"kind", "sgd"},
            {"lr", config_.learning_rate},
            {"momentum", config_.momentum},
            {"nesterov", config_.nesterov},
            {"weight_decay", config_.weight_decay},
            {"clip_global_norm", config_.clip_global_norm}};
}

}  // namespace tb
