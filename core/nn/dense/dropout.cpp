#include "core/nn/dense/dropout.h"

#include <stdexcept>
#include <string>

namespace tb::nn {

Dropout::Dropout(float rate, std::uint64_t seed) : rate_(rate), seed_(seed) {
    if (!(rate_ >= 0.0f && rate_ < 1.0f)) {
        throw std::invalid_argument("dropout: the rate must be in [0, 1), got " + std::to_string(rate_));
    }
}

Forward Dropout::forward(const ForwardPass& pass, const ModuleInput& input) {
    if (input.sparse_batch != nullptr) throw std::invalid_argument("dropout: needs dense input");
    const ConstMatrixView in = input.dense;
    output_.resize(pass.backend, in.rows, in.cols, "layer activations");
    Forward result{output_.view(), {}};
    if (!(pass.training && rate_ > 0.0f && in.size() > 0)) {
        if (in.size() > 0) {
            pass.backend.copy_device_to_device(output_.data(), in.data, sizeof(float) * static_cast<std::size_t>(in.size()));
        }
        return result;
    }
    ensure_capacity(mask_, pass.backend, in.size(), "dropout mask");
    pass.backend.dropout_forward(in, output_.view(), mask_.data(), rate_, seed_, elements_drawn_);
    elements_drawn_ += static_cast<std::uint64_t>(in.size());
    result.saved.tensors.push_back(ConstMatrixView(mask_.data(), in.rows, in.cols));
    return result;
}

MatrixView Dropout::backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output, bool input_gradient) {
    if (!input_gradient) return {};
    input_gradient_.resize(pass.backend, grad_output.rows, grad_output.cols, "activation gradients");
    if (saved.tensors.empty()) {
        if (grad_output.size() > 0) {
            pass.backend.copy_device_to_device(input_gradient_.data(), grad_output.data,
                                               sizeof(float) * static_cast<std::size_t>(grad_output.size()));
        }
    } else {
        pass.backend.dropout_backward(grad_output, saved.tensors[0].data, input_gradient_.view());
    }
    return input_gradient_.view();
}

nlohmann::json Dropout::describe() const {
    return {{"type", type()}, {"rate", rate_}, {"seed", seed_}};
}

void Dropout::release_buffers() {
    mask_ = DeviceBuffer<float>();
    output_ = DeviceMatrix();
    input_gradient_ = DeviceMatrix();
}

}  // namespace tb::nn
