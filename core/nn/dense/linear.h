#pragma once
// Linear: y = x W + b with W (in_features x out_features), dense input. Its weights may be tied to
// another Linear of the same shape (`weights_of`: that module's name): both then read and write the
// same segments, and the backward pass adds their gradients.

#include <cstdint>
#include <string>

#include "core/nn/module.h"

namespace tb::nn {

class Linear final : public Module {
public:
    Linear(std::string name, std::int64_t in_features, std::int64_t out_features, std::string weights_of = {});

    std::string type() const override { return "linear"; }
    void declare(ArenaLayout& layout) override;
    std::int64_t output_width(std::int64_t input_width) const override;
    Forward forward(const ForwardPass& pass, const ModuleInput& input) override;
    // Weight and bias gradients overwrite the gradient arena (or add to it where the weights are tied);
    // the input gradient is grad_output W^T.
    MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                        bool input_gradient) override;
    StepCost cost(const BatchShape& shape) const override;
    nlohmann::json describe() const override;
    void release_buffers() override;

    struct SoftmaxTraining {
        double loss = 0;               // summed over the batch's rows
        MatrixView input_gradient;     // null data when not asked for
    };
    // As an output layer: forward, softmax cross-entropy against `labels` and backward as one backend
    // operation (Backend::linear_softmax_cross_entropy), which keeps the wide logits in cache on the CPU.
    // Its output buffer is the operation's scratch; gradients are scaled by grad_scale.
    SoftmaxTraining train_with_softmax(BackwardPass& pass, ConstMatrixView input, const CsrView& labels,
                                       float grad_scale, bool input_gradient);

    const std::string& name() const { return name_; }
    std::int64_t in_features() const { return in_features_; }
    std::int64_t out_features() const { return out_features_; }
    std::size_t weight_segment() const { return weight_segment_; }
    std::size_t bias_segment() const { return bias_segment_; }

private:
    std::string name_;
    std::int64_t in_features_;
    std::int64_t out_features_;
    std::string weights_of_;
    std::size_t weight_segment_ = 0;
    std::size_t bias_segment_ = 0;
    DeviceMatrix output_;
    DeviceMatrix input_gradient_;
};

}  // namespace tb::nn
