#pragma once
// SGD with optional heavy-ball or Nesterov momentum and L2 weight decay. Weight decay skips 1-D
// segments (biases) unless asked otherwise. Row-sparse segments (the sparse input layer) are updated
// lazily: only the rows a batch touched move, and only their velocity decays, which is how sparse
// embedding updates are done in practice (the other rows' gradient is exactly zero).

#include <memory>
#include <optional>

#include "core/optim/optimizer.h"

namespace tb {

struct SgdConfig {
    float learning_rate = 0.1f;
    float momentum = 0.0f;
    bool nesterov = false;
    float weight_decay = 0.0f;
    bool decay_biases = false;
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
    const ParameterArena* velocity() const { return velocity_ ? &*velocity_ : nullptr; }

private:
    Backend& backend_;
    SgdConfig config_;
    std::optional<ParameterArena> velocity_;  // only with momentum
};

}  // namespace tb
