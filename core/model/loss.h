#pragma once
// The losses a model can be trained with, named in configs as "softmax" and "sigmoid".

#include <string>

#include "core/backend/backend.h"

namespace tb {

enum class LossKind { softmax_cross_entropy, sigmoid_binary_cross_entropy };

LossKind parse_loss_kind(const std::string& name);  // throws std::invalid_argument listing the choices
const char* config_name(LossKind kind);

// Returns the summed loss over the batch's rows; when grad.data is not null writes
// grad = grad_scale * d(loss)/d(logits).
double loss_and_gradient(Backend& backend, LossKind kind, ConstMatrixView logits, const CsrView& labels,
                         MatrixView grad, float grad_scale);

}  // namespace tb
