#include "core/nn/dense/linear.h"

#include <stdexcept>

namespace tb::nn {

namespace {

// The segment `name` of a layout, which must exist with the given shape: the weights a tied Linear reuses.
std::size_t tied_segment(const ArenaLayout& layout, const std::string& name, std::int64_t rows, std::int64_t cols,
                         const std::string& who) {
    const std::optional<std::size_t> found = layout.find(name);
    if (!found) {
        throw std::invalid_argument(who + ": tied to '" + name + "', which is not declared before it");
    }
    const ParameterSegment& segment = layout.segment(*found);
    if (segment.rows != rows || segment.cols != cols) {
        throw std::invalid_argument(who + ": tied to '" + name + "' of shape " + std::to_string(segment.rows) + " x " +
                                    std::to_string(segment.cols) + ", needs " + std::to_string(rows) + " x " +
                                    std::to_string(cols));
    }
    return *found;
}

}  // namespace

Linear::Linear(std::string name, std::int64_t in_features, std::int64_t out_features, std::string weights_of)
    : name_(std::move(name)), in_features_(in_features), out_features_(out_features), weights_of_(std::move(weights_of)) {
    if (in_features_ <= 0 || out_features_ <= 0) {
        throw std::invalid_argument(name_ + ": a linear layer needs positive widths, got " +
                                    std::to_string(in_features_) + " -> " + std::to_string(out_features_));
    }
}

void Linear::declare(ArenaLayout& layout) {
    if (weights_of_.empty()) {
        weight_segment_ = layout.add(name_ + ".weight", in_features_, out_features_);
        bias_segment_ = layout.add(name_ + ".bias", 1, out_features_);
    } else {
        weight_segment_ = tied_segment(layout, weights_of_ + ".weight", in_features_, out_features_, name_);
        bias_segment_ = tied_segment(layout, weights_of_ + ".bias", 1, out_features_, name_);
    }
}

std::int64_t Linear::output_width(std::int64_t input_width) const {
    if (input_width != in_features_) {
        throw std::invalid_argument(name_ + ": takes " + std::to_string(in_features_) + " features, given " +
                                    std::to_string(input_width));
    }
    return out_features_;
}

Forward Linear::forward(const ForwardPass& pass, const ModuleInput& input) {
    const ConstMatrixView in = input.dense;
    if (input.sparse_batch != nullptr || in.cols != in_features_) {
        throw std::invalid_argument(name_ + ": shape mismatch (" + std::to_string(in.rows) + " x " +
                                    std::to_string(in.cols) + " dense input for " + std::to_string(in_features_) +
                                    " -> " + std::to_string(out_features_) + ")");
    }
    output_.resize(pass.backend, in.rows, out_features_, "layer activations");
    pass.backend.gemm(Transpose::no, Transpose::no, 1.0f, in, pass.parameters.segment(weight_segment_), 0.0f,
                      output_.view());
    pass.backend.add_row_vector(output_.view(), pass.parameters.segment(bias_segment_).data);
    Forward result{output_.view(), {}};
    result.saved.input = input;
    return result;
}

MatrixView Linear::backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output, bool input_gradient) {
    Backend& backend = pass.backend;
    if (pass.parameter_gradients) {
        const float weight_beta = pass.claim(weight_segment_);
        backend.gemm(Transpose::yes, Transpose::no, 1.0f, saved.input.dense, grad_output, weight_beta,
                     pass.gradients.dense().segment(weight_segment_));
        const float bias_beta = pass.claim(bias_segment_);
        backend.column_sums(1.0f, grad_output, bias_beta, pass.gradients.dense().segment(bias_segment_).data);
    }
    if (!input_gradient) return {};
    input_gradient_.resize(backend, grad_output.rows, in_features_, "activation gradients");
    backend.gemm(Transpose::no, Transpose::yes, 1.0f, grad_output, pass.parameters.segment(weight_segment_), 0.0f,
                 input_gradient_.view());
    return input_gradient_.view();
}

Linear::SoftmaxTraining Linear::train_with_softmax(BackwardPass& pass, ConstMatrixView input, const CsrView& labels,
                                                   float grad_scale, bool input_gradient) {
    // The fused operation overwrites the gradients; tied weights would need it to add.
    if (pass.claim(weight_segment_) != 0.0f || pass.claim(bias_segment_) != 0.0f) {
        throw std::invalid_argument(name_ + ": an output layer trained with the fused softmax cannot share its weights");
    }
    output_.resize(pass.backend, input.rows, out_features_, "layer activations");
    SoftmaxTraining result;
    if (input_gradient) {
        input_gradient_.resize(pass.backend, input.rows, in_features_, "activation gradients");
        result.input_gradient = input_gradient_.view();
    }
    LinearSoftmaxStep step;
    step.input = input;
    step.weight = pass.parameters.segment(weight_segment_);
    step.bias = pass.parameters.segment(bias_segment_).data;
    step.labels = labels;
    step.grad_scale = grad_scale;
    step.scratch = output_.view();
    step.grad_weight = pass.gradients.dense().segment(weight_segment_);
    step.grad_bias = pass.gradients.dense().segment(bias_segment_).data;
    step.grad_input = result.input_gradient;
    result.loss = pass.backend.linear_softmax_cross_entropy(step);
    return result;
}

StepCost Linear::cost(const BatchShape& shape) const {
    // GEMMs at 2 flops per multiply-add: forward and the two backward products (weights and input). For
    // memory, every weight read in forward and backward, written as a gradient, and read and written by
    // the update (about 8 passes), and each activation written, re-read and turned into a gradient
    // (about 4 passes).
    constexpr double float_bytes = 4;
    const double rows = static_cast<double>(shape.rows);
    const double in = static_cast<double>(in_features_);
    const double out = static_cast<double>(out_features_);
    StepCost cost;
    cost.flops = 3 * 2 * rows * in * out;
    cost.memory_bytes = float_bytes * (8 * in * out + 4 * rows * (in + out));
    return cost;
}

nlohmann::json Linear::describe() const {
    nlohmann::json description{{"type", type()}, {"name", name_}, {"in", in_features_}, {"out", out_features_}};
    if (!weights_of_.empty()) description["weights_of"] = weights_of_;
    return description;
}

void Linear::release_buffers() {
    output_ = DeviceMatrix();
    input_gradient_ = DeviceMatrix();
}

}  // namespace tb::nn
