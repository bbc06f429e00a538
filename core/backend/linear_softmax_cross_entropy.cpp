// Backend::linear_softmax_cross_entropy as the operations a softmax output layer runs one after the other.
// Every backend has it this way; each pass goes over the whole batch x outputs logits, which on a GPU's
// memory costs little and on a CPU's costs most of the step (see CpuBackend's override).

#include "core/backend/backend.h"
#include "core/backend/operation_shape_checks.h"

namespace tb {

double Backend::linear_softmax_cross_entropy(const LinearSoftmaxStep& step) {
    check_linear_softmax_arguments(step);
    const MatrixView logits = step.scratch;
    gemm(Transpose::no, Transpose::no, 1.0f, step.input, step.weight, 0.0f, logits);
    add_row_vector(logits, step.bias);
    // The gradient G is written over the logits: nothing after the loss needs them.
    const double loss = softmax_cross_entropy(logits, step.labels, logits, step.grad_scale);
    gemm(Transpose::yes, Transpose::no, 1.0f, step.input, logits, 0.0f, step.grad_weight);
    column_sums(1.0f, logits, 0.0f, step.grad_bias);
    if (step.grad_input.data != nullptr) {
        gemm(Transpose::no, Transpose::yes, 1.0f, logits, step.weight, 0.0f, step.grad_input);
    }
    return loss;
}

}  // namespace tb
