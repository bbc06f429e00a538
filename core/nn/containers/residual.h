#pragma once
// Residual: y = x + f(x), for a module f whose output is as wide as its input.

#include <memory>

#include "core/nn/module.h"

namespace tb::nn {

class Residual final : public Module {
public:
    explicit Residual(std::unique_ptr<Module> inner);

    std::string type() const override { return "residual"; }
    void declare(ArenaLayout& layout) override { inner_->declare(layout); }
    std::int64_t output_width(std::int64_t input_width) const override;
    Forward forward(const ForwardPass& pass, const ModuleInput& input) override;
    MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                        bool input_gradient) override;
    // f's cost; the addition is counted with the activations.
    StepCost cost(const BatchShape& shape) const override { return inner_->cost(shape); }
    nlohmann::json describe() const override;
    void release_buffers() override;

private:
    std::unique_ptr<Module> inner_;
    DeviceMatrix output_;
    DeviceMatrix input_gradient_;
};

}  // namespace tb::nn
