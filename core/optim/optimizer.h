#pragma once
// An optimizer updates one replica's parameters from its gradients. Its state (momentum, moments)
// lives in arenas of the parameters' layout, so model-averaging methods can merge or reset it (see
// OptimizerConfig::state_at_merge for what a run asks for).

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/nn/parameter_arena.h"
#include "core/optim/layer_adaptation.h"

namespace tb {

// One named buffer of optimizer state in the parameters' layout ("velocity", "first_moment", ...).
struct OptimizerStateArena {
    std::string name;
    ParameterArena* arena = nullptr;
};

class Optimizer {
public:
    virtual ~Optimizer() = default;
    // One update with the given learning rate (the schedule and any per-worker scaling are the caller's).
    virtual void step(ParameterArena& parameters, const Gradients& gradients, float learning_rate) = 0;
    // Forget all state (momentum buffers and moments to zero, the step count of bias correction to 0).
    virtual void reset_state() = 0;
    virtual nlohmann::json describe() const = 0;
    // Bytes of optimizer state held on the device.
    virtual std::int64_t state_bytes() const = 0;
    // The state buffers, each in the parameters' layout, for methods that average or copy them when
    // replicas merge. Empty for stateless optimizers.
    virtual std::vector<OptimizerStateArena> state_arenas() { return {}; }
    // The per-segment trust ratios of the last step, for layer-wise optimizers (LARS, LAMB); null for
    // the others. Only segments that take part in layer adaptation are listed.
    virtual const std::vector<LayerAdaptation>* last_layer_adaptation() const { return nullptr; }
};

}  // namespace tb
