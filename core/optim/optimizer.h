#pragma once
// An optimizer updates one replica's parameters from its gradients. Its state (momentum, moments)
// lives in arenas of the parameters' layout, so model-averaging methods can merge or reset it.

#include <nlohmann/json.hpp>

#include "core/model/parameter_arena.h"

namespace tb {

class Optimizer {
public:
    virtual ~Optimizer() = default;
    // One update with the given learning rate (the schedule and any per-worker scaling are the caller's).
    virtual void step(ParameterArena& parameters, const Gradients& gradients, float learning_rate) = 0;
    // Forget all state (momentum buffers to zero).
    virtual void reset_state() = 0;
    virtual nlohmann::json describe() const = 0;
    // Bytes of optimizer state held on the device.
    virtual std::int64_t state_bytes() const = 0;
};

}  // namespace tb
