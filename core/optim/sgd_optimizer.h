#pragma once
// SGD with optional heavy-ball or Nesterov momentum and L2 weight decay:
//   g' = g + wd w;  v = mu v + g';  w -= lr (nesterov ? g' + mu v : v)
// Weight decay skips 1-D segments (biases) and segments matching the config's patterns. Row-sparse
// segments (the sparse input layer) are updated lazily: only the rows a batch touched move, and only
// their velocity decays, which is how sparse embedding updates are done in practice (the other rows'
// gradient is exactly zero). With clipping by global norm, the clipped gradient is formed in a scratch
// direction buffer first, since the gradients are read-only here.

#include <memory>
#include <optional>

#include "core/optim/optimizer.h"
#include "core/optim/segment_treatment.h"
#include "core/optim/segment_update.h"

namespace tb {

struct SgdConfig {
    float learning_rate = 0.1f;
    float momentum = 0.0f;
    bool nesterov = false;
    float weight_decay = 0.0f;
    bool decay_biases = false;  // true: 1-D segments take weight decay too
    double clip_global_norm = 0.0;
    std::vector<std::string> weight_decay_exclude;  // segment name patterns
};

class SgdOptimizer final : public Optimizer {
public:
    SgdOptimizer(Backend& backend, const ArenaLayout& layout, const SgdConfig& config);

    void step(ParameterArena& parameters, const Gradients& gradients, float learning_rate) override;
    void reset_state() override;
    nlohmann::json describe() const override;
    std::int64_t state_bytes() const override {
        return velocity_ ? velocity_->size() * static_cast<std::int64_t>(sizeof(float)) : 0;
    }
    std::vector<OptimizerStateArena> state_arenas() override;
    const ParameterArena* velocity() const { return velocity_ ? &*velocity_ : nullptr; }

private:
    Backend& backend_;
    SgdConfig config_;
    std::vector<SegmentTreatment> treatments_;
    std::optional<ParameterArena> velocity_;       // only with momentum
    std::optional<DirectionBuffers> directions_;   // only with clipping
};

}  // namespace tb
