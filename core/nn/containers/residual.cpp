#include "core/nn/containers/residual.h"

#include <stdexcept>

namespace tb::nn {

Residual::Residual(std::unique_ptr<Module> inner) : inner_(std::move(inner)) {
    if (!inner_) throw std::invalid_argument("residual: the inner module is missing");
}

std::int64_t Residual::output_width(std::int64_t input_width) const {
    const std::int64_t inner_width = inner_->output_width(input_width);
    if (inner_width != input_width) {
        throw std::invalid_argument("residual: the inner module maps " + std::to_string(input_width) + " features to " +
                                    std::to_string(inner_width) + "; a residual needs them equal");
    }
    return input_width;
}

Forward Residual::forward(const ForwardPass& pass, const ModuleInput& input) {
    if (input.sparse_batch != nullptr) throw std::invalid_argument("residual: needs dense input");
    const ConstMatrixView x = input.dense;
    Forward inner = inner_->forward(pass, input);
    if (inner.output.rows != x.rows || inner.output.cols != x.cols) {
        throw std::invalid_argument("residual: the inner module's output is not the shape of its input");
    }
    output_.resize(pass.backend, x.rows, x.cols, "layer activations");
    pass.backend.copy_device_to_device(output_.data(), x.data, sizeof(float) * static_cast<std::size_t>(x.size()));
    pass.backend.axpby(1.0f, inner.output.data, 1.0f, output_.data(), x.size());
    Forward result{output_.view(), {}};
    result.saved.children.push_back(std::move(inner.saved));
    return result;
}

MatrixView Residual::backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                              bool input_gradient) {
    const MatrixView inner_gradient = inner_->backward(pass, saved.children.at(0), grad_output, input_gradient);
    if (!input_gradient) return {};
    input_gradient_.resize(pass.backend, grad_output.rows, grad_output.cols, "activation gradients");
    pass.backend.copy_device_to_device(input_gradient_.data(), grad_output.data,
                                       sizeof(float) * static_cast<std::size_t>(grad_output.size()));
    pass.backend.axpby(1.0f, inner_gradient.data, 1.0f, input_gradient_.data(), grad_output.size());
    return input_gradient_.view();
}

nlohmann::json Residual::describe() const { return {{"type", type()}, {"module", inner_->describe()}}; }

void Residual::release_buffers() {
    inner_->release_buffers();
    output_ = DeviceMatrix();
    input_gradient_ = DeviceMatrix();
}

}  // namespace tb::nn
