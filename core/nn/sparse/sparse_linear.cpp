#include "core/nn/sparse/sparse_linear.h"

#include <stdexcept>

namespace tb::nn {

SparseLinear::SparseLinear(std::string name, std::int64_t in_features, std::int64_t out_features)
    : name_(std::move(name)), in_features_(in_features), out_features_(out_features) {
    if (in_features_ <= 0 || out_features_ <= 0) {
        throw std::invalid_argument(name_ + ": a sparse linear layer needs positive widths, got " +
                                    std::to_string(in_features_) + " -> " + std::to_string(out_features_));
    }
}

void SparseLinear::declare(ArenaLayout& layout) {
    weight_segment_ = layout.add(name_ + ".weight", in_features_, out_features_, /*row_sparse_gradient=*/true);
    bias_segment_ = layout.add(name_ + ".bias", 1, out_features_);
}

std::int64_t SparseLinear::output_width(std::int64_t input_width) const {
    if (input_width != in_features_) {
        throw std::invalid_argument(name_ + ": takes " + std::to_string(in_features_) + " features, given " +
                                    std::to_string(input_width));
    }
    return out_features_;
}

Forward SparseLinear::forward(const ForwardPass& pass, const ModuleInput& input) {
    const DeviceBatch* batch = input.sparse_batch;
    if (batch == nullptr || !batch->sparse_features) {
        throw std::invalid_argument(name_ + ": a sparse layer needs sparse input features");
    }
    if (batch->sparse.view().cols != in_features_) {
        throw std::invalid_argument(name_ + ": the batch has " + std::to_string(batch->sparse.view().cols) +
                                    " features, the layer expects " + std::to_string(in_features_));
    }
    output_.resize(pass.backend, batch->size, out_features_, "layer activations");
    pass.backend.csr_times_dense(1.0f, batch->sparse.view(), pass.parameters.segment(weight_segment_), 0.0f,
                                 output_.view());
    pass.backend.add_row_vector(output_.view(), pass.parameters.segment(bias_segment_).data);
    Forward result{output_.view(), {}};
    result.saved.input = input;
    return result;
}

MatrixView SparseLinear::backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                                  bool input_gradient) {
    if (input_gradient) throw std::invalid_argument(name_ + ": a sparse input layer has no input gradient");
    if (!pass.parameter_gradients) return {};
    Backend& backend = pass.backend;
    const DeviceBatch& batch = *saved.input.sparse_batch;
    static_cast<void>(pass.claim(weight_segment_));  // throws when the weights are shared
    RowSparseGradient& weight_gradient = pass.gradients.row_sparse(weight_segment_);
    const std::int64_t touched = batch.touched_count;
    weight_gradient.make_room(backend, touched, out_features_, "sparse layer gradient", "sparse gradient row ids");
    if (touched > 0) {
        backend.copy_device_to_device(weight_gradient.rows.data(), batch.touched_features.data(),
                                      static_cast<std::size_t>(touched) * sizeof(std::int32_t));
        MatrixView values{weight_gradient.values.data(), touched, out_features_};
        backend.csr_transpose_times_dense(1.0f, batch.sparse_compact.view(), grad_output, 0.0f, values);
    }
    backend.column_sums(1.0f, grad_output, pass.claim(bias_segment_), pass.gradients.dense().segment(bias_segment_).data);
    return {};
}

StepCost SparseLinear::cost(const BatchShape& shape) const {
    // One sparse product each way (no input gradient); for memory the touched weight rows move about 8
    // times (forward, backward, gradient, update), each output activation about 4 times, and each
    // non-zero's value and column index once.
    constexpr double float_bytes = 4;
    const double rows = static_cast<double>(shape.rows);
    const double out = static_cast<double>(out_features_);
    const double nnz = static_cast<double>(shape.nonzeros);
    const double touched = static_cast<double>(shape.touched_features);
    StepCost cost;
    cost.flops = 2 * 2 * nnz * out;
    cost.memory_bytes = float_bytes * (8 * touched * out + 4 * rows * out) + 12 * nnz;
    return cost;
}

nlohmann::json SparseLinear::describe() const {
    return {{"type", type()}, {"name", name_}, {"in", in_features_}, {"out", out_features_}};
}

}  // namespace tb::nn
