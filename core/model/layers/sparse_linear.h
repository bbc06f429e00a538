#pragma once
// SparseLinear: y = x W + b for a sparse (CSR) input x. W is (in_features x out_features), so each input
// feature owns one row of W and a batch's gradient touches only the rows of the features it contains:
// the gradient is row-sparse and computed on the batch's compacted columns.

#include <cstdint>
#include <string>

#include "core/data/batch.h"
#include "core/model/parameter_arena.h"

namespace tb {

class SparseLinear {
public:
    SparseLinear(std::string name, std::int64_t in_features, std::int64_t out_features);

    void declare(ArenaLayout& layout);
    std::int64_t in_features() const { return in_features_; }
    std::int64_t out_features() const { return out_features_; }
    std::size_t weight_segment() const { return weight_segment_; }
    std::size_t bias_segment() const { return bias_segment_; }

    // out = x W + b; out is (batch x out_features).
    void forward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch, MatrixView out) const;
    // Writes the weight gradient into gradients.row_sparse(weight) (one row per touched feature) and the
    // bias gradient into the dense gradient arena. No input gradient: the input is data.
    void backward(Backend& backend, const DeviceBatch& batch, ConstMatrixView grad_out, Gradients& gradients) const;

private:
    std::string name_;
    std::int64_t in_features_;
    std::int64_t out_features_;
    std::size_t weight_segment_ = 0;
    std::size_t bias_segment_ = 0;
};

}  // namespace tb
