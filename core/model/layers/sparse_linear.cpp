#include "core/model/layers/sparse_linear.h"

#include <stdexcept>

namespace tb {

SparseLinear::SparseLinear(std::string name, std::int64_t in_features, std::int64_t out_features)
    : name_(std::move(name)), in_features_(in_features), out_features_(out_features) {}

void SparseLinear::declare(ArenaLayout& layout) {
    weight_segment_ = layout.add(name_ + ".weight", in_features_, out_features_, /*row_sparse_gradient=*/true);
    bias_segment_ = layout.add(name_ + ".bias", 1, out_features_);
}

void SparseLinear::forward(Backend& backend, const ParameterArena& parameters, const DeviceBatch& batch,
                           MatrixView out) const {
    if (!batch.sparse_features) throw std::invalid_argument(name_ + ": a sparse layer needs sparse input features");
    if (batch.sparse.view().cols != in_features_) {
        throw std::invalid_argument(name_ + ": the batch has " + std::to_string(batch.sparse.view().cols) +
                                    " features, the layer expects " + std::to_string(in_features_));
    }
    if (out.rows != batch.size || out.cols != out_features_) throw std::invalid_argument(name_ + ": output shape mismatch");
    backend.csr_times_dense(1.0f, batch.sparse.view(), parameters.segment(weight_segment_), 0.0f, out);
    backend.add_row_vector(out, parameters.segment(bias_segment_).data);
}

void SparseLinear::backward(Backend& backend, const DeviceBatch& batch, ConstMatrixView grad_out,
                            Gradients& gradients) const {
    RowSparseGradient& weight_gradient = gradients.row_sparse(weight_segment_);
    const std::int64_t touched = batch.touched_count;
    weight_gradient.make_room(backend, touched, out_features_, "sparse layer gradient", "sparse gradient row ids");
    if (touched > 0) {
        backend.copy_device_to_device(weight_gradient.rows.data(), batch.touched_features.data(),
                                      static_cast<std::size_t>(touched) * sizeof(std::int32_t));
        MatrixView values{weight_gradient.values.data(), touched, out_features_};
        backend.csr_transpose_times_dense(1.0f, batch.sparse_compact.view(), grad_out, 0.0f, values);
    }
    backend.column_sums(1.0f, grad_out, 0.0f, gradients.dense().segment(bias_segment_).data);
}

}  // namespace tb
