#pragma once
// Linear: y = x W + b with W (in_features x out_features), dense input.

#include <cstdint>
#include <string>

#include "core/model/parameter_arena.h"

namespace tb {

class Linear {
public:
    Linear(std::string name, std::int64_t in_features, std::int64_t out_features);

    void declare(ArenaLayout& layout);
    std::int64_t in_features() const { return in_features_; }
    std::int64_t out_features() const { return out_features_; }
    std::size_t weight_segment() const { return weight_segment_; }
    std::size_t bias_segment() const { return bias_segment_; }

    void forward(Backend& backend, const ParameterArena& parameters, ConstMatrixView in, MatrixView out) const;
    // Weight and bias gradients go to the dense gradient arena (overwritten, not accumulated). When
    // grad_in.data is not null it receives the input gradient grad_out W^T.
    void backward(Backend& backend, const ParameterArena& parameters, ConstMatrixView in, ConstMatrixView grad_out,
                  Gradients& gradients, MatrixView grad_in) const;

    // Forward, softmax cross-entropy loss and backward in one (Backend::linear_softmax_cross_entropy), for
    // an output layer: `logits` is batch x out_features of scratch, the gradients land as backward puts
    // them. Returns the summed loss.
    double train_with_softmax(Backend& backend, const ParameterArena& parameters, ConstMatrixView in,
                              const CsrView& labels, float grad_scale, MatrixView logits, Gradients& gradients,
                              MatrixView grad_in) const;

private:
    std::string name_;
    std::int64_t in_features_;
    std::int64_t out_features_;
    std::size_t weight_segment_ = 0;
    std::size_t bias_segment_ = 0;
};

}  // namespace tb
