#pragma once
// FixedPoint: a deep equilibrium layer (Bai, Kolter and Koltun, NeurIPS 2019). Its output is the state z
// with z = f([z | x]) for the input x, where f maps state plus input columns to state columns. Forward
// iterates z <- f([z | x]) from z = 0 until the step is below tolerance relative to z; backward never
// goes through the iterations: with J = dz-part of df/d[z | x] at the fixed point it solves the adjoint
// equation g = g J + dL/dz by the same kind of iteration, each step one vector-Jacobian product (f's
// backward with input gradients only), and then runs f's backward once with g for the parameter gradients
// and the input gradient. Both iterations converge when f is a contraction in z; one that does not is an
// error that says how far it got.

#include <memory>

#include "core/nn/module.h"

namespace tb::nn {

struct FixedPointSettings {
    std::int64_t state_width = 0;
    double tolerance = 1e-6;       // relative: |z_next - z| <= tolerance |z_next|
    int max_iterations = 100;
};

class FixedPoint final : public Module {
public:
    FixedPoint(std::unique_ptr<Module> f, FixedPointSettings settings);

    std::string type() const override { return "fixed_point"; }
    void declare(ArenaLayout& layout) override { f_->declare(layout); }
    std::int64_t output_width(std::int64_t input_width) const override;
    Forward forward(const ForwardPass& pass, const ModuleInput& input) override;
    MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                        bool input_gradient) override;
    StepCost cost(const BatchShape& shape) const override;
    nlohmann::json describe() const override;
    void release_buffers() override;

    int last_forward_iterations() const { return forward_iterations_; }
    int last_adjoint_iterations() const { return adjoint_iterations_; }

private:
    // Runs iterate() until the relative change is below tolerance; throws naming `what` otherwise.
    template <typename Step>
    int solve(Backend& backend, DeviceMatrix& state, Step iterate, const char* what);

    std::unique_ptr<Module> f_;
    FixedPointSettings settings_;
    int forward_iterations_ = 0;
    int adjoint_iterations_ = 0;
    DeviceMatrix joint_;     // [z | x], f's input
    DeviceMatrix state_;     // z
    DeviceMatrix adjoint_;   // g
    DeviceMatrix change_;    // the last step's difference
    DeviceMatrix input_gradient_;
};

}  // namespace tb::nn
