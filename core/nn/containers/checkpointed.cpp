#include "core/nn/containers/checkpointed.h"

#include <stdexcept>

namespace tb::nn {

Checkpointed::Checkpointed(std::unique_ptr<Module> inner) : inner_(std::move(inner)) {
    if (!inner_) throw std::invalid_argument("checkpointed: the inner module is missing");
}

Forward Checkpointed::forward(const ForwardPass& pass, const ModuleInput& input) {
    const MatrixView inner_output = inner_->forward(pass, input).output;
    output_.resize(pass.backend, inner_output.rows, inner_output.cols, "layer activations");
    if (inner_output.size() > 0) {
        pass.backend.copy_device_to_device(output_.data(), inner_output.data,
                                           sizeof(float) * static_cast<std::size_t>(inner_output.size()));
    }
    inner_->release_buffers();
    Forward result{output_.view(), {}};
    result.saved.input = input;
    return result;
}

MatrixView Checkpointed::backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                                  bool input_gradient) {
    const ForwardPass recompute{pass.backend, pass.parameters, /*training=*/true};
    const Forward again = inner_->forward(recompute, saved.input);
    return inner_->backward(pass, again.saved, grad_output, input_gradient);
}

void Checkpointed::release_buffers() {
    inner_->release_buffers();
    output_ = DeviceMatrix();
}

}  // namespace tb::nn
