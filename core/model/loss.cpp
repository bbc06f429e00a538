#include "core/model/loss.h"

#include <stdexcept>

namespace tb {

LossKind parse_loss_kind(const std::string& name) {
    if (name == "softmax") return LossKind::softmax_cross_entropy;
    if (name == "sigmoid") return LossKind::sigmoid_binary_cross_entropy;
    throw std::invalid_argument("unknown loss '" + name + "' (choose softmax or sigmoid)");
}

const char* config_name(LossKind kind) {
    return kind == LossKind::softmax_cross_entropy ? "softmax" : "sigmoid";
}

double loss_and_gradient(Backend& backend, LossKind kind, ConstMatrixView logits, const CsrView& labels,
                         MatrixView grad, float grad_scale) {
    switch (kind) {
        case LossKind::softmax_cross_entropy:
            return backend.softmax_cross_entropy(logits, labels, grad, grad_scale);
        case LossKind::sigmoid_binary_cross_entropy:
            return backend.sigmoid_binary_cross_entropy(logits, labels, grad, grad_scale);
    }
    throw std::logic_error("unhandled loss kind");
}

}  // namespace tb
