#pragma once
// SparseLinear: y = x W + b for a sparse (CSR) input x, the batch's features. W is (in_features x
// out_features), so each input feature owns one row of W and a batch's gradient touches only the rows of
// the features it contains: the gradient is row-sparse and computed on the batch's compacted columns.
// It is a first layer: its input is data, so it has no input gradient.

#include <cstdint>
#include <string>

#include "core/nn/module.h"

namespace tb::nn {

class SparseLinear final : public Module {
public:
    SparseLinear(std::string name, std::int64_t in_features, std::int64_t out_features);

    std::string type() const override { return "sparse_linear"; }
    void declare(ArenaLayout& layout) override;
    std::int64_t output_width(std::int64_t input_width) const override;
    Forward forward(const ForwardPass& pass, const ModuleInput& input) override;
    // The weight gradient goes to gradients.row_sparse(weight) (one row per touched feature), the bias
    // gradient to the dense gradient arena. Asking for an input gradient is an error.
    MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                        bool input_gradient) override;
    StepCost cost(const BatchShape& shape) const override;
    nlohmann::json describe() const override;
    void release_buffers() override { output_ = DeviceMatrix(); }

    std::int64_t in_features() const { return in_features_; }
    std::int64_t out_features() const { return out_features_; }
    std::size_t weight_segment() const { return weight_segment_; }
    std::size_t bias_segment() const { return bias_segment_; }

private:
    std::string name_;
    std::int64_t in_features_;
    std::int64_t out_features_;
    std::size_t weight_segment_ = 0;
    std::size_t bias_segment_ = 0;
    DeviceMatrix output_;
};

}  // namespace tb::nn
