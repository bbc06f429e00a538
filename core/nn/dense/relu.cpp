#include "core/nn/dense/relu.h"

#include <stdexcept>

namespace tb::nn {

Forward Relu::forward(const ForwardPass& pass, const ModuleInput& input) {
    if (input.sparse_batch != nullptr) throw std::invalid_argument("relu: needs dense input");
    output_.resize(pass.backend, input.dense.rows, input.dense.cols, "layer activations");
    pass.backend.relu_forward(input.dense, output_.view());
    Forward result{output_.view(), {}};
    result.saved.tensors.push_back(output_.view());
    return result;
}

MatrixView Relu::backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output, bool input_gradient) {
    if (!input_gradient) return {};
    input_gradient_.resize(pass.backend, grad_output.rows, grad_output.cols, "activation gradients");
    pass.backend.relu_backward(saved.tensors.at(0), grad_output, input_gradient_.view());
    return input_gradient_.view();
}

void Relu::release_buffers() {
    output_ = DeviceMatrix();
    input_gradient_ = DeviceMatrix();
}

}  // namespace tb::nn
