#pragma once
// Inverted dropout. The mask of every call is a pure function of (seed, elements drawn before), so a
// replay with the same seed draws the same masks on every backend. Outside training it passes its input
// through unchanged.

#include <cstdint>

#include "core/nn/module.h"

namespace tb::nn {

class Dropout final : public Module {
public:
    Dropout(float rate, std::uint64_t seed);

    std::string type() const override { return "dropout"; }
    void declare(ArenaLayout&) override {}
    std::int64_t output_width(std::int64_t input_width) const override { return input_width; }
    // Saves the mask when it drew one, nothing otherwise.
    Forward forward(const ForwardPass& pass, const ModuleInput& input) override;
    MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                        bool input_gradient) override;
    StepCost cost(const BatchShape&) const override { return {}; }
    nlohmann::json describe() const override;
    void release_buffers() override;

    float rate() const { return rate_; }

private:
    float rate_;
    std::uint64_t seed_;
    std::uint64_t elements_drawn_ = 0;
    DeviceBuffer<float> mask_;
    DeviceMatrix output_;
    DeviceMatrix input_gradient_;
};

}  // namespace tb::nn
