#pragma once
// LayerNorm: layer normalization of every row (Ba, Kiros and Hinton, 2016) with a learned gain and bias
// per column, y = gain (x - mean) / sqrt(variance + epsilon) + bias, the mean and the (biased) variance
// taken over the row's `width` columns (Backend::layer_norm_forward). Its segments are name.gain and
// name.bias, 1 x width each. The gain starts at 1 where the bias starts at 0: a model's
// initial_parameters finds the gains by their name (is_layer_norm_gain), since its initialisers set
// every vector segment to 0 otherwise.
//
// Forward keeps its input and each row's mean and inverse standard deviation (two floats a row) for
// backward, which normalizes the input again instead of keeping a second rows x width matrix.

#include <cstdint>
#include <string>

#include "core/nn/module.h"

namespace tb::nn {

// Whether a segment is a LayerNorm's gain, which starts at 1 (the identity) rather than at 0.
bool is_layer_norm_gain(const ParameterSegment& segment);

class LayerNorm final : public Module {
public:
    // PyTorch's default; the Cluster-GCN code uses 1e-9.
    static constexpr float default_epsilon = 1e-5f;

    LayerNorm(std::string name, std::int64_t width, float epsilon = default_epsilon);

    std::string type() const override { return "layer_norm"; }
    void declare(ArenaLayout& layout) override;
    std::int64_t output_width(std::int64_t input_width) const override;
    Forward forward(const ForwardPass& pass, const ModuleInput& input) override;
    // The gain and bias gradients overwrite the gradient arena; the input gradient only when asked for.
    MatrixView backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                        bool input_gradient) override;
    StepCost cost(const BatchShape& shape) const override;
    nlohmann::json describe() const override;
    void release_buffers() override;

    const std::string& name() const { return name_; }
    std::int64_t width() const { return width_; }
    float epsilon() const { return epsilon_; }

private:
    std::string name_;
    std::int64_t width_;
    float epsilon_;
    std::size_t gain_segment_ = 0;
    std::size_t bias_segment_ = 0;
    DeviceMatrix output_;
    DeviceMatrix statistics_;  // 2 x rows: the rows' means, then their inverse standard deviations
    DeviceMatrix input_gradient_;
};

}  // namespace tb::nn
