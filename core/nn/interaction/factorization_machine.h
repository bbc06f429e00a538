#pragma once
// FactorizationMachine: the pairwise term of a factorization machine (Rendle, ICDM 2010) over the
// embeddings of F categorical fields, k floats each, side by side in the first F k columns of its input:
//
//   y = sum_{f < g} <v_f, v_g> = 1/2 (||s||^2 - sum_f ||v_f||^2),   s = sum_f v_f,
//
// one output column, O(F k) per row instead of O(F^2 k) (Rendle's identity). Columns after the first
// F k (a CTR model's dense fields) take no part and get a zero input gradient. No parameters.
// Backward: dy/dv_f = s - v_f.

#include <cstdint>

#include "core/nn/module.h"

namespace tb::nn {

class FactorizationMachine final : public Module {
public:
    FactorizationMachine(std::int64_t fields, std::int64_t dim);

    std::string type() const override { return "factorization_machine"; }
    void declare(ArenaLayout& layout) override;
    std::int64_t output_width(std::int64_t input_width) const override;
    Forward forward(const ForwardPass& pass, const ModuleInput& input) override;
    MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                        bool input_gradient) override;
    StepCost cost(const BatchShape& shape) const override;
    nlohmann::json describe() const override;
    void release_buffers() override;

private:
    void ensure_field_sum(Backend& backend);

    std::int64_t fields_;
    std::int64_t dim_;
    DeviceMatrix field_sum_;  // F k x k: k x k identities stacked, so that s = v S
    DeviceMatrix sums_;       // rows x k
    DeviceMatrix output_;     // rows x 1
    DeviceMatrix input_gradient_;
    DeviceMatrix embedding_gradient_;  // rows x F k, when the input is wider than the embeddings
    DeviceMatrix output_gradient_;     // dL/dy as a contiguous column
    DeviceBuffer<float> ones_;         // per row, for scale_rows as a copy
    DeviceBuffer<float> minus_ones_;
};

}  // namespace tb::nn
