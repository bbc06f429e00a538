#include "core/nn/interaction/cross_network.h"

#include <stdexcept>
#include <utility>

namespace tb::nn {

CrossNetwork::CrossNetwork(std::string name, std::int64_t width, int layers)
    : name_(std::move(name)), width_(width), layers_(layers) {
    if (width_ < 1 || layers_ < 1) {
        throw std::invalid_argument(name_ + ": a cross network needs a positive width and at least one layer, got " +
                                    std::to_string(width_) + " and " + std::to_string(layers_));
    }
}

void CrossNetwork::declare(ArenaLayout& layout) {
    weight_segments_.clear();
    bias_segments_.clear();
    for (int l = 0; l < layers_; ++l) {
        const std::string prefix = name_ + ".cross" + std::to_string(l);
        weight_segments_.push_back(layout.add(prefix + ".weight", width_, 1));
        bias_segments_.push_back(layout.add(prefix + ".bias", 1, width_));
    }
}

std::int64_t CrossNetwork::output_width(std::int64_t input_width) const {
    if (input_width != width_) {
        throw std::invalid_argument(name_ + ": takes " + std::to_string(width_) + " features, given " +
                                    std::to_string(input_width));
    }
    return width_;
}

Forward CrossNetwork::forward(const ForwardPass& pass, const ModuleInput& input) {
    if (input.sparse_batch != nullptr) throw std::invalid_argument(name_ + ": needs dense input");
    output_width(input.dense.cols);
    Backend& backend = pass.backend;
    const ConstMatrixView x0 = input.dense;
    const std::int64_t rows = x0.rows;
    outputs_.resize(static_cast<std::size_t>(layers_));
    projections_.resize(backend, layers_, rows, "layer activations");  // row l holds z_l for every batch row
    ConstMatrixView previous = x0;
    for (int l = 0; l < layers_; ++l) {
        DeviceMatrix& out = outputs_[static_cast<std::size_t>(l)];
        out.resize(backend, rows, width_, "layer activations");
        const MatrixView z{projections_.data() + static_cast<std::int64_t>(l) * rows, rows, 1};
        backend.gemm(Transpose::no, Transpose::no, 1.0f, previous,
                     pass.parameters.segment(weight_segments_[static_cast<std::size_t>(l)]), 0.0f, z);
        // x_{l+1} = x_l first (a copy through scale_rows by ones), then + z_l x_0, then + b_l.
        if (ones_.size() < rows) {
            ensure_capacity(ones_, backend, rows, "layer activations");
            backend.fill(ones_.data(), rows, 1.0f);
        }
        backend.scale_rows(previous, ones_.data(), 0.0f, out.view());
        backend.scale_rows(x0, z.data, 1.0f, out.view());
        backend.add_row_vector(out.view(), pass.parameters.segment(bias_segments_[static_cast<std::size_t>(l)]).data);
        previous = out.view();
    }
    Forward result{outputs_.back().view(), {}};
    result.saved.input = input;
    result.saved.tensors.push_back(projections_.view());
    for (const DeviceMatrix& out : outputs_) result.saved.tensors.push_back(out.view());
    return result;
}

MatrixView CrossNetwork::backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                                  bool input_gradient) {
    Backend& backend = pass.backend;
    const ConstMatrixView x0 = saved.input.dense;
    const std::int64_t rows = x0.rows;
    const ConstMatrixView projections = saved.tensors.at(0);
    layer_gradient_.resize(backend, rows, width_, "activation gradients");
    next_gradient_.resize(backend, rows, width_, "activation gradients");
    input_gradient_.resize(backend, rows, width_, "activation gradients");
    projection_gradient_.resize(backend, rows, 1, "activation gradients");
    if (ones_.size() < rows) {
        ensure_capacity(ones_, backend, rows, "layer activations");
        backend.fill(ones_.data(), rows, 1.0f);
    }
    backend.scale_rows(grad_output, ones_.data(), 0.0f, layer_gradient_.view());
    backend.fill(input_gradient_.data(), input_gradient_.size(), 0.0f);
    for (int l = layers_ - 1; l >= 0; --l) {
        const ConstMatrixView x_l = l == 0 ? x0 : saved.tensors.at(static_cast<std::size_t>(l));
        const ConstMatrixView g = layer_gradient_.view();
        const float* z = projections.data + static_cast<std::int64_t>(l) * rows;
        backend.row_dot(1.0f, g, x0, 0.0f, projection_gradient_.data());
        if (pass.parameter_gradients) {
            const std::size_t weight = weight_segments_[static_cast<std::size_t>(l)];
            const std::size_t bias = bias_segments_[static_cast<std::size_t>(l)];
            backend.gemm(Transpose::yes, Transpose::no, 1.0f, x_l, projection_gradient_.view(), pass.claim(weight),
                         pass.gradients.dense().segment(weight));
            backend.column_sums(1.0f, g, pass.claim(bias), pass.gradients.dense().segment(bias).data);
        }
        // x_0 enters every layer as the factor of z_l.
        backend.scale_rows(g, z, 1.0f, input_gradient_.view());
        if (l == 0 && !input_gradient) break;
        // dL/dx_l = g + dL/dz_l w_l^T (an outer product added to a copy of g).
        backend.scale_rows(g, ones_.data(), 0.0f, next_gradient_.view());
        backend.gemm(Transpose::no, Transpose::yes, 1.0f, projection_gradient_.view(),
                     pass.parameters.segment(weight_segments_[static_cast<std::size_t>(l)]), 1.0f,
                     next_gradient_.view());
        std::swap(layer_gradient_, next_gradient_);
    }
    if (!input_gradient) return {};
    // x_0 is also x_l at l = 0: its path through the identity and w_0 is in layer_gradient_ now.
    backend.axpby(1.0f, layer_gradient_.data(), 1.0f, input_gradient_.data(), input_gradient_.size());
    return input_gradient_.view();
}

StepCost CrossNetwork::cost(const BatchShape& shape) const {
    // Per layer and row: the projection, x_0 scaled, the bias (forward); the row dot, the weight
    // gradient, the outer product and the scaled x_0 (backward): about 12 d flops; activations read and
    // written about 8 times per layer.
    const double rows = static_cast<double>(shape.rows);
    const double d = static_cast<double>(width_);
    StepCost cost;
    cost.flops = layers_ * rows * 12 * d;
    cost.memory_bytes = 4.0 * layers_ * (8 * rows * d + 8 * 2 * d);
    return cost;
}

nlohmann::json CrossNetwork::describe() const {
    return {{"type", type()}, {"name", name_}, {"width", width_}, {"layers", layers_}};
}

void CrossNetwork::release_buffers() {
    outputs_.clear();
    projections_ = DeviceMatrix();
    layer_gradient_ = DeviceMatrix();
    next_gradient_ = DeviceMatrix();
    input_gradient_ = DeviceMatrix();
    projection_gradient_ = DeviceMatrix();
}

}  // namespace tb::nn
