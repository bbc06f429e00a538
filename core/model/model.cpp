#include "core/model/model.h"

namespace tb {

double Model::forward_backward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                               float grad_scale, Gradients& gradients) {
    // The gradient is written over the logits: on a 205,443-label output layer a separate buffer would
    // add 822 KB per sample to every replica and a cold stream of that size to every step.
    const MatrixView logits = forward(backend, parameters, batch, /*training=*/true);
    const double loss = loss_and_gradient(backend, this->loss(), logits, batch.labels.view(), logits, grad_scale);
    backward(backend, parameters, batch, logits, gradients);
    return loss;
}

}  // namespace tb
