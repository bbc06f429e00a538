#include "core/model/layers/dropout.h"

namespace tb {

void Dropout::forward(Backend& backend, MatrixView activations, bool training) {
    last_forward_masked_ = training && rate_ > 0.0f && activations.size() > 0;
    if (!last_forward_masked_) return;
    ensure_capacity(mask_, backend, activations.size(), "dropout mask");
    backend.dropout_forward(activations, activations, mask_.data(), rate_, seed_, elements_drawn_);
    elements_drawn_ += static_cast<std::uint64_t>(activations.size());
}

void Dropout::backward(Backend& backend, MatrixView gradient) const {
    if (!last_forward_masked_) return;
    backend.dropout_backward(gradient, mask_.data(), gradient);
}

}  // namespace tb
