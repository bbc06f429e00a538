#include "core/nn/dense/layer_norm.h"

#include <cmath>
#include <stdexcept>
#include <string_view>

namespace tb::nn {

namespace {

constexpr std::string_view gain_suffix = ".gain";

}  // namespace

bool is_layer_norm_gain(const ParameterSegment& segment) {
    const std::string_view name = segment.name;
    return segment.is_vector() && name.size() > gain_suffix.size() && name.ends_with(gain_suffix);
}

LayerNorm::LayerNorm(std::string name, std::int64_t width, float epsilon)
    : name_(std::move(name)), width_(width), epsilon_(epsilon) {
    if (width_ <= 0) {
        throw std::invalid_argument(name_ + ": layer normalization needs a positive width, got " +
                                    std::to_string(width_));
    }
    if (!(epsilon_ > 0.0f) || !std::isfinite(epsilon_)) {
        throw std::invalid_argument(name_ + ": epsilon must be positive and finite, got " + std::to_string(epsilon_));
    }
}

void LayerNorm::declare(ArenaLayout& layout) {
    gain_segment_ = layout.add(name_ + std::string(gain_suffix), 1, width_);
    bias_segment_ = layout.add(name_ + ".bias", 1, width_);
}

std::int64_t LayerNorm::output_width(std::int64_t input_width) const {
    if (input_width != width_) {
        throw std::invalid_argument(name_ + ": normalizes rows of " + std::to_string(width_) + " features, given " +
                                    std::to_string(input_width));
    }
    return width_;
}

Forward LayerNorm::forward(const ForwardPass& pass, const ModuleInput& input) {
    const ConstMatrixView x = input.dense;
    if (input.sparse_batch != nullptr || x.cols != width_) {
        throw std::invalid_argument(name_ + ": shape mismatch (" + std::to_string(x.rows) + " x " +
                                    std::to_string(x.cols) + " dense input for a layer normalization of " +
                                    std::to_string(width_) + " features)");
    }
    Backend& backend = pass.backend;
    output_.resize(backend, x.rows, width_, "layer activations");
    statistics_.resize(backend, 2, x.rows, "layer normalization statistics");
    backend.layer_norm_forward(x, pass.parameters.segment(gain_segment_).data,
                               pass.parameters.segment(bias_segment_).data, epsilon_, output_.view(),
                               statistics_.data(), statistics_.data() + x.rows);
    Forward result{output_.view(), {}};
    result.saved.tensors.push_back(statistics_.view());
    result.saved.input = input;
    return result;
}

MatrixView LayerNorm::backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                               bool input_gradient) {
    Backend& backend = pass.backend;
    const ConstMatrixView x = saved.input.dense;
    const ConstMatrixView statistics = saved.tensors.at(0);
    float* grad_gain = nullptr;
    float* grad_bias = nullptr;
    float beta = 0.0f;
    if (pass.parameter_gradients) {
        // The gain and the bias are declared together and never tied, so they are claimed alike.
        beta = pass.claim(gain_segment_);
        if (pass.claim(bias_segment_) != beta) {
            throw std::logic_error(name_ + ": its gain and bias gradients were claimed apart");
        }
        grad_gain = pass.gradients.dense().segment(gain_segment_).data;
        grad_bias = pass.gradients.dense().segment(bias_segment_).data;
    }
    MatrixView grad_input;
    if (input_gradient) {
        input_gradient_.resize(backend, x.rows, width_, "activation gradients");
        grad_input = input_gradient_.view();
    }
    if (grad_gain == nullptr && grad_input.data == nullptr) return {};
    backend.layer_norm_backward(x, statistics.data, statistics.data + x.rows,
                                pass.parameters.segment(gain_segment_).data, grad_output, grad_input, beta, grad_gain,
                                grad_bias);
    return grad_input;
}

StepCost LayerNorm::cost(const BatchShape& shape) const {
    // About 7 flops an element forward (the statistics' two passes and the normalization) and 16 backward
    // (the row sums, the input gradient and the parameter sums). Memory: the input read and the output
    // written forward, the input and the output gradient read and the input gradient written backward
    // (5 passes over the activations), and the 2 x width parameters read forward and backward, written
    // as gradients and read and written by the update (about 8 passes), as Linear counts them.
    constexpr double float_bytes = 4;
    const double elements = static_cast<double>(shape.rows) * static_cast<double>(width_);
    StepCost cost;
    cost.flops = 23 * elements;
    cost.memory_bytes = float_bytes * (5 * elements + 8 * 2 * static_cast<double>(width_));
    return cost;
}

nlohmann::json LayerNorm::describe() const {
    return {{"type", type()}, {"name", name_}, {"width", width_}, {"epsilon", epsilon_}};
}

void LayerNorm::release_buffers() {
    output_ = DeviceMatrix();
    statistics_ = DeviceMatrix();
    input_gradient_ = DeviceMatrix();
}

}  // namespace tb::nn
