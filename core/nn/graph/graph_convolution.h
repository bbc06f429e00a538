#pragma once
// GraphConvolution: one layer of a graph convolutional network (Kipf and Welling, ICLR 2017, eq. 2),
// y = A x W + b, with A the normalized adjacency of ForwardPass::graph. With `self_weight` it is the
// Cluster-GCN code's concatenation [A x || x] W' written as y = A x W + x W_self + b, which is the same map
// without a strided copy of the concatenation.
//
// The product is taken in whichever order moves fewer numbers through the sparse product: A (x W) when
// the layer narrows (Cora's 1,433 features to 16), (A x) W when it widens. Backward follows the same
// order, so a narrowing layer never keeps an n x in aggregation alive.

#include <cstdint>
#include <string>

#include "core/nn/module.h"

namespace tb::nn {

class GraphConvolution final : public Module {
public:
    GraphConvolution(std::string name, std::int64_t in_features, std::int64_t out_features, bool self_weight = false);

    std::string type() const override { return "graph_convolution"; }
    void declare(ArenaLayout& layout) override;
    std::int64_t output_width(std::int64_t input_width) const override;
    Forward forward(const ForwardPass& pass, const ModuleInput& input) override;
    MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                        bool input_gradient) override;
    StepCost cost(const BatchShape& shape) const override;
    nlohmann::json describe() const override;
    void release_buffers() override;

    bool aggregates_first() const { return in_features_ < out_features_; }

private:
    const CsrView& graph_of(const CsrView* graph, std::int64_t rows, const char* pass_name) const;

    std::string name_;
    std::int64_t in_features_;
    std::int64_t out_features_;
    bool self_weight_;
    std::size_t weight_segment_ = 0;
    std::size_t self_weight_segment_ = 0;
    std::size_t bias_segment_ = 0;
    DeviceMatrix transformed_;  // x W (narrowing) or A x (widening)
    DeviceMatrix output_;
    DeviceMatrix scratch_gradient_;  // A^T dy (narrowing) or dy W^T (widening)
    DeviceMatrix input_gradient_;
};

}  // namespace tb::nn
