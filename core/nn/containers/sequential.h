#pragma once
// Sequential: modules one after another, each reading the previous one's output. It keeps what each of
// its modules saved, and in backward asks a module for its input gradient only where a module before it
// (or the caller) needs it. In an evaluation that no backward follows (ForwardPass::
// release_consumed_activations) it frees each module's buffers once a later module has written its own
// output, so its peak is a few layers' activations, not all of them.

#include <memory>
#include <vector>

#include "core/nn/module.h"

namespace tb::nn {

class Sequential final : public Module {
public:
    explicit Sequential(std::vector<std::unique_ptr<Module>> modules);

    std::string type() const override { return "sequential"; }
    void declare(ArenaLayout& layout) override;
    std::int64_t output_width(std::int64_t input_width) const override;
    Forward forward(const ForwardPass& pass, const ModuleInput& input) override;
    MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                        bool input_gradient) override;
    StepCost cost(const BatchShape& shape) const override;
    nlohmann::json describe() const override;
    void release_buffers() override;

    std::size_t size() const { return modules_.size(); }
    Module& module(std::size_t index) { return *modules_.at(index); }

private:
    std::vector<std::unique_ptr<Module>> modules_;
};

}  // namespace tb::nn
