#pragma once
// Concat: several modules read the same input and their outputs are laid side by side, in order:
// y = [f_1(x) | f_2(x) | ...]. The input gradient is the sum of theirs.

#include <memory>
#include <vector>

#include "core/nn/module.h"

namespace tb::nn {

class Concat final : public Module {
public:
    explicit Concat(std::vector<std::unique_ptr<Module>> modules);

    std::string type() const override { return "concat"; }
    void declare(ArenaLayout& layout) override;
    std::int64_t output_width(std::int64_t input_width) const override;
    Forward forward(const ForwardPass& pass, const ModuleInput& input) override;
    MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                        bool input_gradient) override;
    StepCost cost(const BatchShape& shape) const override;
    nlohmann::json describe() const override;
    void release_buffers() override;

private:
    std::vector<std::unique_ptr<Module>> modules_;
    std::vector<std::int64_t> widths_;  // of each part, set by forward
    DeviceMatrix output_;
    DeviceMatrix part_gradient_;  // one part's columns of grad_output, made contiguous
    DeviceMatrix input_gradient_;
};

}  // namespace tb::nn
