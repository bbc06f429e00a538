#pragma once
// Checkpointed: runs a module but keeps only its input between forward and backward. Forward copies the
// module's output out and frees the module's buffers; backward runs the module's forward again on the
// saved input and then its backward. The gradients are those of the module itself, bit for bit, provided
// it computes the same thing when it runs again (no dropout inside).

#include <memory>

#include "core/nn/module.h"

namespace tb::nn {

class Checkpointed final : public Module {
public:
    explicit Checkpointed(std::unique_ptr<Module> inner);

    std::string type() const override { return "checkpointed"; }
    void declare(ArenaLayout& layout) override { inner_->declare(layout); }
    std::int64_t output_width(std::int64_t input_width) const override { return inner_->output_width(input_width); }
    Forward forward(const ForwardPass& pass, const ModuleInput& input) override;
    MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                        bool input_gradient) override;
    // The module's step plus its forward once more (about a third of a layer's step).
    StepCost cost(const BatchShape& shape) const override { return (4.0 / 3.0) * inner_->cost(shape); }
    nlohmann::json describe() const override { return {{"type", type()}, {"module", inner_->describe()}}; }
    void release_buffers() override;

private:
    std::unique_ptr<Module> inner_;
    DeviceMatrix output_;
};

}  // namespace tb::nn
