#include "core/nn/interaction/factorization_machine.h"

#include <stdexcept>
#include <string>
#include <vector>

namespace tb::nn {

namespace {

// The embedding columns of an input row: the first F k.
ConstMatrixView embedding_columns(ConstMatrixView in, std::int64_t width) {
    return {in.data, in.rows, width, in.row_stride()};
}

}  // namespace

FactorizationMachine::FactorizationMachine(std::int64_t fields, std::int64_t dim) : fields_(fields), dim_(dim) {
    if (fields_ < 1 || dim_ < 1) {
        throw std::invalid_argument("factorization_machine: needs at least one field and one embedding column, got " +
                                    std::to_string(fields_) + " fields of " + std::to_string(dim_));
    }
}

void FactorizationMachine::declare(ArenaLayout& /*layout*/) {}

std::int64_t FactorizationMachine::output_width(std::int64_t input_width) const {
    if (input_width < fields_ * dim_) {
        throw std::invalid_argument("factorization_machine: reads " + std::to_string(fields_) + " fields of " +
                                    std::to_string(dim_) + " columns, given an input of " + std::to_string(input_width));
    }
    return 1;
}

void FactorizationMachine::ensure_field_sum(Backend& backend) {
    if (field_sum_.size() != 0) return;
    std::vector<float> stacked(static_cast<std::size_t>(fields_ * dim_ * dim_), 0.0f);
    for (std::int64_t f = 0; f < fields_; ++f) {
        for (std::int64_t j = 0; j < dim_; ++j) stacked[static_cast<std::size_t>((f * dim_ + j) * dim_ + j)] = 1.0f;
    }
    field_sum_.resize(backend, fields_ * dim_, dim_, "layer activations");
    backend.copy_host_to_device(field_sum_.data(), stacked.data(), stacked.size() * sizeof(float));
}

Forward FactorizationMachine::forward(const ForwardPass& pass, const ModuleInput& input) {
    if (input.sparse_batch != nullptr) throw std::invalid_argument("factorization_machine: needs dense input");
    output_width(input.dense.cols);
    Backend& backend = pass.backend;
    ensure_field_sum(backend);
    const ConstMatrixView embeddings = embedding_columns(input.dense, fields_ * dim_);
    sums_.resize(backend, embeddings.rows, dim_, "layer activations");
    output_.resize(backend, embeddings.rows, 1, "layer activations");
    backend.gemm(Transpose::no, Transpose::no, 1.0f, embeddings, field_sum_.view(), 0.0f, sums_.view());
    backend.row_dot(0.5f, sums_.view(), sums_.view(), 0.0f, output_.data());
    backend.row_dot(-0.5f, embeddings, embeddings, 1.0f, output_.data());
    Forward result{output_.view(), {}};
    result.saved.input = input;
    result.saved.tensors = {sums_.view()};
    return result;
}

MatrixView FactorizationMachine::backward(BackwardPass& pass, const Saved& saved, ConstMatrixView grad_output,
                                          bool input_gradient) {
    if (!input_gradient) return {};
    Backend& backend = pass.backend;
    const ConstMatrixView in = saved.input.dense;
    const std::int64_t width = fields_ * dim_;
    const ConstMatrixView embeddings = embedding_columns(in, width);
    const ConstMatrixView sums = saved.tensors.at(0);
    input_gradient_.resize(backend, in.rows, in.cols, "activation gradients");
    const bool wider = in.cols > width;
    if (wider) embedding_gradient_.resize(backend, in.rows, width, "activation gradients");
    const MatrixView gradient = wider ? embedding_gradient_.view() : input_gradient_.view();
    if (minus_ones_.size() < in.rows) {
        ensure_capacity(minus_ones_, backend, in.rows, "layer activations");
        ensure_capacity(ones_, backend, in.rows, "layer activations");
        backend.fill(minus_ones_.data(), in.rows, -1.0f);
        backend.fill(ones_.data(), in.rows, 1.0f);
    }
    // dL/dv_f = dL/dy (s - v_f): s repeated over the fields (s S^T), minus the embeddings, then each row
    // times its dL/dy (a column, read through scale_rows so that a strided one is fine).
    backend.gemm(Transpose::no, Transpose::yes, 1.0f, sums, field_sum_.view(), 0.0f, gradient);
    backend.scale_rows(embeddings, minus_ones_.data(), 1.0f, gradient);
    output_gradient_.resize(backend, in.rows, 1, "activation gradients");
    backend.scale_rows(grad_output, ones_.data(), 0.0f, output_gradient_.view());
    backend.scale_rows(gradient, output_gradient_.data(), 0.0f, gradient);
    if (wider) {
        backend.fill(input_gradient_.data(), input_gradient_.size(), 0.0f);
        const MatrixView block{input_gradient_.data(), in.rows, width, in.cols};
        backend.scale_rows(embedding_gradient_.view(), ones_.data(), 0.0f, block);
    }
    return input_gradient_.view();
}

StepCost FactorizationMachine::cost(const BatchShape& shape) const {
    // Forward: s (F k^2 multiply-adds per row as a product with the stacked identities) and two row
    // dots; backward the same product transposed and an element-wise pass. Memory: the embeddings read
    // about four times and the input gradient written once.
    const double rows = static_cast<double>(shape.rows);
    const double width = static_cast<double>(fields_ * dim_);
    StepCost cost;
    cost.flops = rows * (2 * 2 * width * static_cast<double>(dim_) + 6 * width);
    cost.memory_bytes = 4.0 * rows * 5 * width;
    return cost;
}

nlohmann::json FactorizationMachine::describe() const {
    return {{"type", type()}, {"fields", fields_}, {"dim", dim_}};
}

void FactorizationMachine::release_buffers() {
    sums_ = DeviceMatrix();
    output_ = DeviceMatrix();
    input_gradient_ = DeviceMatrix();
    embedding_gradient_ = DeviceMatrix();
    output_gradient_ = DeviceMatrix();
}

}  // namespace tb::nn
