#pragma once
// ReLU has no parameters; it is applied in place on a layer's output.

#include "core/backend/backend.h"

namespace tb {

struct Relu {
    static void forward(Backend& backend, MatrixView activations) { backend.relu_forward(activations, activations); }
    // gradient <- gradient * (activation > 0), in place
    static void backward(Backend& backend, ConstMatrixView activations, MatrixView gradient) {
        backend.relu_backward(activations, gradient, gradient);
    }
};

}  // namespace tb
