#include "core/model/layers/linear.h"

#include <stdexcept>

namespace tb {

Linear::Linear(std::string name, std::int64_t in_features, std::int64_t out_features)
    : name_(std::move(name)), in_features_(in_features), out_features_(out_features) {}

void Linear::declare(ArenaLayout& layout) {
    weight_segment_ = layout.add(name_ + ".weight", in_features_, out_features_);
    bias_segment_ = layout.add(name_ + ".bias", 1, out_features_);
}

void Linear::forward(Backend& backend, const ParameterArena& parameters, ConstMatrixView in, MatrixView out) const {
    if (in.cols != in_features_ || out.cols != out_features_ || in.rows != out.rows) {
        throw std::invalid_argument(name_ + ": shape mismatch (" + std::to_string(in.rows) + " x " +
                                    std::to_string(in.cols) + " input for " + std::to_string(in_features_) + " -> " +
                                    std::to_string(out_features_) + ")");
    }
    backend.gemm(Transpose::no, Transpose::no, 1.0f, in, parameters.segment(weight_segment_), 0.0f, out);
    backend.add_row_vector(out, parameters.segment(bias_segment_).data);
}

void Linear::backward(Backend& backend, const ParameterArena& parameters, ConstMatrixView in,
                      ConstMatrixView grad_out, Gradients& gradients, MatrixView grad_in) const {
    backend.gemm(Transpose::yes, Transpose::no, 1.0f, in, grad_out, 0.0f, gradients.dense().segment(weight_segment_));
    backend.column_sums(1.0f, grad_out, 0.0f, gradients.dense().segment(bias_segment_).data);
    if (grad_in.data != nullptr) {
        backend.gemm(Transpose::no, Transpose::yes, 1.0f, grad_out, parameters.segment(weight_segment_), 0.0f, grad_in);
    }
}

double Linear::train_with_softmax(Backend& backend, const ParameterArena& parameters, ConstMatrixView in,
                                  const CsrView& labels, float grad_scale, MatrixView logits, Gradients& gradients,
                                  MatrixView grad_in) const {
    LinearSoftmaxStep step;
    step.input = in;
    step.weight = parameters.segment(weight_segment_);
    step.bias = parameters.segment(bias_segment_).data;
    step.labels = labels;
    step.grad_scale = grad_scale;
    step.scratch = logits;
    step.grad_weight = gradients.dense().segment(weight_segment_);
    step.grad_bias = gradients.dense().segment(bias_segment_).data;
    step.grad_input = grad_in;
    return backend.linear_softmax_cross_entropy(step);
}

}  // namespace tb
