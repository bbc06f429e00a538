#pragma once
// LAMB (You et al., "Large Batch Optimization for Deep Learning: Training BERT in 76 minutes", ICLR 2020,
// and the authors' implementation), per segment (layer):
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
//   u = m_hat / (sqrt(v_hat) + eps) + lambda w
//   w -= lr * r * u,  r = phi(||w||) / ||u||  (1 when either norm is 0)
// with bias correction on by default and switchable, and phi an optional clamp of the weight norm.
// Segments excluded from layer adaptation (biases by default) take r = 1, an AdamW step.
// The row-sparse input layer is lazy, as in AdamOptimizer: only touched rows update moments and weights,
// and its trust ratio is taken over those rows, ||w_touched|| / ||u_touched||. The touched rows are what
// the step changes, so each of them moves by lr relative to their own norm, as every row does in a dense
// layer; the whole layer's ||w|| would let a batch that touches few rows move them very far.

#include <optional>
#include <vector>

#include "core/optim/moment_estimates.h"
#include "core/optim/optimizer.h"
#include "core/optim/segment_treatment.h"
#include "core/optim/segment_update.h"

namespace tb {

struct LambConfig {
    MomentHyperparameters moments{0.9f, 0.999f, 1e-6f, true};
    float weight_decay = 0.0f;  // lambda, decoupled
    std::optional<double> weight_norm_min;
    std::optional<double> weight_norm_max;
    double clip_global_norm = 0.0;
    SegmentTreatmentRules segments;
};

class LambOptimizer final : public Optimizer {
public:
    LambOptimizer(Backend& backend, const ArenaLayout& layout, const LambConfig& config);

    void step(ParameterArena& parameters, const Gradients& gradients, float learning_rate) override;
    void reset_state() override { moments_.reset(); }
    nlohmann::json describe() const override;
    std::int64_t state_bytes() const override { return moments_.bytes(); }
    std::vector<OptimizerStateArena> state_arenas() override { return moments_.arenas(); }
    const std::vector<LayerAdaptation>* last_layer_adaptation() const override { return &adaptation_; }

private:
    Backend& backend_;
    LambConfig config_;
    std::vector<SegmentTreatment> treatments_;
    MomentEstimates moments_;
    DirectionBuffers directions_;
    std::vector<LayerAdaptation> adaptation_;
};

}  // namespace tb
