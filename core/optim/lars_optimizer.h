#pragma once
// LARS (You, Gitman, Ginsburg, "Large Batch Training of Convolutional Networks", 2017, Algorithm 1), per
// segment (layer):
//   local_lr = eta ||w|| / (||g|| + beta ||w||)   (1 when either norm is 0)
//   v = m v + lr * local_lr * (g + beta w);  w -= v
// eta is the trust coefficient, beta the weight decay; momentum runs on the scaled update. Segments
// excluded from layer adaptation (biases by default) take local_lr = 1, a momentum-SGD step.
// The row-sparse input layer is lazy: only touched rows move and decay their velocity, and the norms of
// the ratio are over those rows (see LambOptimizer for why).

#include <optional>
#include <vector>

#include "core/optim/optimizer.h"
#include "core/optim/segment_treatment.h"
#include "core/optim/segment_update.h"

namespace tb {

struct LarsConfig {
    float momentum = 0.9f;
    bool nesterov = false;
    float weight_decay = 0.0f;         // beta
    float trust_coefficient = 0.001f;  // eta
    double clip_global_norm = 0.0;
    SegmentTreatmentRules segments;
};

class LarsOptimizer final : public Optimizer {
public:
    LarsOptimizer(Backend& backend, const ArenaLayout& layout, const LarsConfig& config);

    void step(ParameterArena& parameters, const Gradients& gradients, float learning_rate) override;
    void reset_state() override;
    nlohmann::json describe() const override;
    std::int64_t state_bytes() const override {
        return velocity_ ? velocity_->size() * static_cast<std::int64_t>(sizeof(float)) : 0;
    }
    std::vector<OptimizerStateArena> state_arenas() override;
    const std::vector<LayerAdaptation>* last_layer_adaptation() const override { return &adaptation_; }

private:
    Backend& backend_;
    LarsConfig config_;
    std::vector<SegmentTreatment> treatments_;
    std::optional<ParameterArena> velocity_;  // only with momentum
    DirectionBuffers directions_;
    std::vector<LayerAdaptation> adaptation_;
};

}  // namespace tb
