#pragma once
// AdditiveCoupling: the reversible block of RevNet and RevGNN. The input's columns split into two equal
// groups x = [x1 | x2], and
//   y1 = x1 + F(x2),   y2 = x2 + G(y1),
// which can be undone from the output alone:
//   x2 = y2 - G(y1),   x1 = y1 - F(x2).
// Used on its own it is an ordinary module that saves what F and G saved; inside a ReversibleGroup it
// saves nothing and `inverse` rebuilds its input. F and G map half the width to half the width and must
// compute the same thing each time they run (no dropout), or the rebuilt input is not the input.

#include <memory>

#include "core/nn/module.h"

namespace tb::nn {

class AdditiveCoupling final : public Module {
public:
    AdditiveCoupling(std::unique_ptr<Module> f, std::unique_ptr<Module> g);

    std::string type() const override { return "additive_coupling"; }
    void declare(ArenaLayout& layout) override;
    std::int64_t output_width(std::int64_t input_width) const override;
    Forward forward(const ForwardPass& pass, const ModuleInput& input) override;
    MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                        bool input_gradient) override;
    StepCost cost(const BatchShape& shape) const override;
    nlohmann::json describe() const override;
    void release_buffers() override;

    // The input whose forward gives `output`, in memory this block owns (valid until its next call).
    MatrixView inverse(const ForwardPass& pass, ConstMatrixView output);

private:
    std::unique_ptr<Module> f_;
    std::unique_ptr<Module> g_;
    DeviceMatrix x2_;      // F's input
    DeviceMatrix y1_;      // G's input
    DeviceMatrix half_;    // a half-width group on its way elsewhere
    DeviceMatrix output_;
    DeviceMatrix grad_y1_;
    DeviceMatrix grad_y2_;
    DeviceMatrix input_gradient_;
    DeviceMatrix rebuilt_input_;
};

}  // namespace tb::nn
