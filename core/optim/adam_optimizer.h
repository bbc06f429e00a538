#pragma once
// Adam (Kingma & Ba, ICLR 2015) and AdamW (Loshchilov & Hutter, ICLR 2019):
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2;  u = m_hat / (sqrt(v_hat) + eps)
// Adam's weight decay is L2 (added to g before the moments); AdamW's is decoupled (u += wd w), and as in
// the common implementations it is scaled by the learning rate: w -= lr (u + wd w).
// The row-sparse input layer is updated lazily (as TensorFlow's LazyAdam): only the rows a batch
// touched update their moments and weights; the others keep theirs, and bias correction counts every
// step. Dense Adam would decay every row's moments and move rows whose gradient is zero, which costs a
// pass over the whole layer per step and is what sparse training avoids.

#include <vector>

#include "core/optim/moment_estimates.h"
#include "core/optim/optimizer.h"
#include "core/optim/segment_treatment.h"
#include "core/optim/segment_update.h"

namespace tb {

struct AdamConfig {
    MomentHyperparameters moments{0.9f, 0.999f, 1e-8f, true};
    float weight_decay = 0.0f;
    bool decoupled_weight_decay = false;  // true: AdamW
    double clip_global_norm = 0.0;        // 0: no clipping
    SegmentTreatmentRules segments;
};

class AdamOptimizer final : public Optimizer {
public:
    AdamOptimizer(Backend& backend, const ArenaLayout& layout, const AdamConfig& config);

    void step(ParameterArena& parameters, const Gradients& gradients, float learning_rate) override;
    void reset_state() override { moments_.reset(); }
    nlohmann::json describe() const override;
    std::int64_t state_bytes() const override { return moments_.bytes(); }
    std::vector<OptimizerStateArena> state_arenas() override { return moments_.arenas(); }
    const MomentEstimates& moments() const { return moments_; }

private:
    Backend& backend_;
    AdamConfig config_;
    std::vector<SegmentTreatment> treatments_;
    MomentEstimates moments_;
    DirectionBuffers directions_;
};

}  // namespace tb
