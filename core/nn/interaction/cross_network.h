#pragma once
// CrossNetwork: the cross layers of the Deep & Cross Network (Wang, Fu, Fu, Wang, ADKDD 2017), each
//
//   x_{l+1} = x_0 (x_l . w_l) + b_l + x_l,
//
// with w_l and b_l of the input's width d: layer l adds interactions of degree l + 2 between the input
// features at 2 d parameters a layer. The output is x_L, as wide as the input. Every x_l and the
// scalars x_l . w_l are kept for backward:
//   dL/dz_l = <dL/dx_{l+1}, x_0> per row,   dL/dw_l = x_l^T dL/dz_l,   dL/db_l = column sums of dL/dx_{l+1},
//   dL/dx_l = dL/dx_{l+1} + dL/dz_l w_l^T,   dL/dx_0 gains dL/dx_{l+1} scaled by z_l per row.

#include <cstdint>
#include <string>
#include <vector>

#include "core/nn/module.h"

namespace tb::nn {

class CrossNetwork final : public Module {
public:
    CrossNetwork(std::string name, std::int64_t width, int layers);

    std::string type() const override { return "cross_network"; }
    void declare(ArenaLayout& layout) override;
    std::int64_t output_width(std::int64_t input_width) const override;
    Forward forward(const ForwardPass& pass, const ModuleInput& input) override;
    MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                        bool input_gradient) override;
    StepCost cost(const BatchShape& shape) const override;
    nlohmann::json describe() const override;
    void release_buffers() override;

private:
    std::string name_;
    std::int64_t width_;
    int layers_;
    std::vector<std::size_t> weight_segments_;  // d x 1 each
    std::vector<std::size_t> bias_segments_;    // 1 x d each
    std::vector<DeviceMatrix> outputs_;         // x_1 .. x_L
    DeviceMatrix projections_;                  // rows x L: z_l = x_l . w_l
    DeviceMatrix layer_gradient_;               // dL/dx_l, walked from L down to 0
    DeviceMatrix next_gradient_;
    DeviceMatrix input_gradient_;               // dL/dx_0 through the x_0 factors
    DeviceMatrix projection_gradient_;          // rows x 1
    DeviceBuffer<float> ones_;
};

}  // namespace tb::nn
