#pragma once
// ReLU: y = max(x, 0), no parameters. It keeps its output for backward (positive exactly where the
// input was), not its input.

#include "core/nn/module.h"

namespace tb::nn {

class Relu final : public Module {
public:
    std::string type() const override { return "relu"; }
    void declare(ArenaLayout&) override {}
    std::int64_t output_width(std::int64_t input_width) const override { return input_width; }
    Forward forward(const ForwardPass& pass, const ModuleInput& input) override;
    MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                        bool input_gradient) override;
    // Its element-wise passes are counted with the activations of the layers around it.
    StepCost cost(const BatchShape&) const override { return {}; }
    nlohmann::json describe() const override { return {{"type", type()}}; }
    void release_buffers() override;

private:
    DeviceMatrix output_;
    DeviceMatrix input_gradient_;
};

}  // namespace tb::nn
