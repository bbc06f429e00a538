#pragma once
// ReversibleGroup: a stack of AdditiveCoupling blocks that keeps no activations between forward and
// backward (RevGNN, Li et al., ICML 2021). Forward frees each block's buffers once the next block has read
// its output; backward rebuilds each block's input from its output (AdditiveCoupling::inverse), runs the
// block forward on it again and then backward. What stays allocated is the group's output and a few
// buffers of one block at a time, so activation memory is flat in depth; the price is two more forward
// passes of every block.

#include <memory>
#include <vector>

#include "core/nn/containers/additive_coupling.h"

namespace tb::nn {

class ReversibleGroup final : public Module {
public:
    explicit ReversibleGroup(std::vector<std::unique_ptr<AdditiveCoupling>> blocks);

    std::string type() const override { return "reversible_group"; }
    void declare(ArenaLayout& layout) override;
    std::int64_t output_width(std::int64_t input_width) const override;
    // Saves its own output only (which whoever reads it keeps anyway).
    Forward forward(const ForwardPass& pass, const ModuleInput& input) override;
    MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                        bool input_gradient) override;
    StepCost cost(const BatchShape& shape) const override;
    nlohmann::json describe() const override;
    void release_buffers() override;

    std::size_t size() const { return blocks_.size(); }
    // The group's input as the last backward rebuilt it from the output.
    ConstMatrixView rebuilt_input() const { return activation_.view(); }

private:
    std::vector<std::unique_ptr<AdditiveCoupling>> blocks_;
    DeviceMatrix output_;
    DeviceMatrix activation_;  // in backward: the input of the block being worked on
    DeviceMatrix gradient_;    // in backward: the gradient with respect to it
};

}  // namespace tb::nn
