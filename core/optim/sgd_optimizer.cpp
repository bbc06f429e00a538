#include "core/optim/sgd_optimizer.h"

namespace tb {

SgdOptimizer::SgdOptimizer(Backend& backend, const ArenaLayout& layout, const SgdConfig& config)
    : backend_(backend), config_(config) {
    if (config_.momentum != 0.0f) {
        velocity_.emplace(backend, layout, "SGD momentum");
        reset_state();
    }
}

void SgdOptimizer::reset_state() {
    if (velocity_) backend_.fill(velocity_->data(), velocity_->size(), 0.0f);
}

void SgdOptimizer::step(ParameterArena& parameters, const Gradients& gradients, float learning_rate) {
    const ArenaLayout& layout = parameters.layout();
    for (std::size_t i = 0; i < layout.segments().size(); ++i) {
        const ParameterSegment& segment = layout.segment(i);
        SgdHyperparameters hyper{learning_rate, config_.momentum,
                                 segment.is_vector() && !config_.decay_biases ? 0.0f : config_.weight_decay,
                                 config_.nesterov};
        float* velocity = velocity_ ? velocity_->segment(i).data : nullptr;
        if (segment.row_sparse_gradient) {
            const RowSparseGradient& sparse = gradients.row_sparse(i);
            if (sparse.row_count == 0) continue;
            backend_.sgd_update_rows(parameters.segment(i), sparse.rows.data(),
                                     ConstMatrixView(sparse.values.data(), sparse.row_count, segment.cols), velocity,
                                     hyper);
        } else {
            backend_.sgd_update(parameters.segment(i).data, gradients.dense().segment(i).data, velocity,
                                segment.size(), hyper);
        }
    }
}

nlohmann::json SgdOptimizer::describe() const {
    return {{"kind", "sgd"},
            {"lr", config_.learning_rate},
            {"momentum", config_.momentum},
            {"nesterov", config_.nesterov},
            {"weight_decay", config_.weight_decay}};
}

}  // namespace tb
