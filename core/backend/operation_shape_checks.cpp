#include "core/backend/operation_shape_checks.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace tb {
namespace {

std::string shape_of(ConstMatrixView m) {
    std::string shape = std::to_string(m.rows) + " x " + std::to_string(m.cols);
    if (!m.is_contiguous()) shape += " with leading dimension " + std::to_string(m.row_stride());
    return shape;
}
std::string shape_of(const CsrView& a) {
    return std::to_string(a.rows) + " x " + std::to_string(a.cols) + " (" + std::to_string(a.nnz) + " non-zeros)";
}

[[noreturn]] void reject(const char* operation, const std::string& problem) {
    throw std::invalid_argument(std::string(operation) + ": " + problem);
}

void check_matrix(const char* operation, const char* argument, ConstMatrixView m) {
    if (m.rows < 0 || m.cols < 0) reject(operation, std::string(argument) + " has a negative shape " + shape_of(m));
    if (m.leading_dimension != 0 && m.leading_dimension < m.cols) {
        reject(operation, std::string(argument) + " (" + shape_of(m) + ") has a leading dimension of " +
                              std::to_string(m.leading_dimension) + ", less than its column count");
    }
    if (m.size() > 0 && m.data == nullptr) {
        reject(operation, std::string(argument) + " (" + shape_of(m) + ") has no data");
    }
}

void check_csr(const char* operation, const char* argument, const CsrView& a) {
    if (a.rows < 0 || a.cols < 0 || a.nnz < 0) {
        reject(operation, std::string(argument) + " has a negative shape " + shape_of(a));
    }
    if (a.row_offsets == nullptr && a.rows > 0) reject(operation, std::string(argument) + " has no row offsets");
    if (a.nnz > 0 && (a.column_indices == nullptr || a.values == nullptr)) {
        reject(operation, std::string(argument) + " has non-zeros but no column indices or values");
    }
    if (a.nnz > 0 && a.cols == 0) reject(operation, std::string(argument) + " has non-zeros but no columns");
    if (a.nnz > 0 && a.rows == 0) reject(operation, std::string(argument) + " has non-zeros but no rows");
    // Columns are duplicate-free within a row, so there are at most rows x cols non-zeros (compared
    // without forming the product, which could overflow).
    if (a.rows > 0 && (a.nnz + a.rows - 1) / a.rows > a.cols) {
        reject(operation, std::string(argument) + " " + shape_of(a) + " has more non-zeros than entries");
    }
}

std::string shape_of(ConstMatrixViewF64 m) { return std::to_string(m.rows) + " x " + std::to_string(m.cols); }

void check_matrix(const char* operation, const char* argument, ConstMatrixViewF64 m) {
    if (m.rows < 0 || m.cols < 0) reject(operation, std::string(argument) + " has a negative shape " + shape_of(m));
    if (m.size() > 0 && m.data == nullptr) reject(operation, std::string(argument) + " (" + shape_of(m) + ") has no data");
}

void check_not_aliased(const char* operation, ConstMatrixViewF64 input, const char* name, ConstMatrixViewF64 output) {
    if (input.size() > 0 && input.data == output.data) {
        reject(operation, std::string(name) + " and c are the same memory; the product cannot be taken in place");
    }
}

// An empty update touches no velocity, so it may come without one.
void check_sgd_hyperparameters(const char* operation, const SgdHyperparameters& hyper, const float* velocity,
                               bool updates_something) {
    if (!std::isfinite(hyper.learning_rate) || !std::isfinite(hyper.momentum) || !std::isfinite(hyper.weight_decay)) {
        reject(operation, "the hyperparameters must be finite");
    }
    if (updates_something && hyper.momentum != 0.0f && velocity == nullptr) {
        reject(operation, "momentum needs a velocity buffer");
    }
}

}  // namespace

void check_gemm_shapes(Transpose transpose_a, Transpose transpose_b, ConstMatrixView a, ConstMatrixView b,
                       ConstMatrixView c) {
    check_matrix("gemm", "a", a);
    check_matrix("gemm", "b", b);
    check_matrix("gemm", "c", c);
    const std::int64_t a_rows = transpose_a == Transpose::yes ? a.cols : a.rows;
    const std::int64_t a_cols = transpose_a == Transpose::yes ? a.rows : a.cols;
    const std::int64_t b_rows = transpose_b == Transpose::yes ? b.cols : b.rows;
    const std::int64_t b_cols = transpose_b == Transpose::yes ? b.rows : b.cols;
    if (a_cols != b_rows || c.rows != a_rows || c.cols != b_cols) {
        reject("gemm", "op(a) is " + std::to_string(a_rows) + " x " + std::to_string(a_cols) + ", op(b) is " +
                           std::to_string(b_rows) + " x " + std::to_string(b_cols) + ", c is " + shape_of(c));
    }
}

void check_csr_times_dense_shapes(const CsrView& a, ConstMatrixView b, ConstMatrixView c) {
    check_csr("csr_times_dense", "a", a);
    check_matrix("csr_times_dense", "b", b);
    check_matrix("csr_times_dense", "c", c);
    if (b.rows != a.cols || c.rows != a.rows || c.cols != b.cols) {
        reject("csr_times_dense", "a is " + shape_of(a) + ", b is " + shape_of(b) + ", c is " + shape_of(c));
    }
}

void check_csr_transpose_times_dense_shapes(const CsrView& a, ConstMatrixView b, ConstMatrixView c) {
    check_csr("csr_transpose_times_dense", "a", a);
    check_matrix("csr_transpose_times_dense", "b", b);
    check_matrix("csr_transpose_times_dense", "c", c);
    if (b.rows != a.rows || c.rows != a.cols || c.cols != b.cols) {
        reject("csr_transpose_times_dense", "a is " + shape_of(a) + ", b is " + shape_of(b) + ", c is " + shape_of(c));
    }
}

void check_gemm_f64_shapes(Transpose transpose_a, Transpose transpose_b, ConstMatrixViewF64 a, ConstMatrixViewF64 b,
                           ConstMatrixViewF64 c) {
    check_matrix("gemm_f64", "a", a);
    check_matrix("gemm_f64", "b", b);
    check_matrix("gemm_f64", "c", c);
    const std::int64_t a_rows = transpose_a == Transpose::yes ? a.cols : a.rows;
    const std::int64_t a_cols = transpose_a == Transpose::yes ? a.rows : a.cols;
    const std::int64_t b_rows = transpose_b == Transpose::yes ? b.cols : b.rows;
    const std::int64_t b_cols = transpose_b == Transpose::yes ? b.rows : b.cols;
    if (a_cols != b_rows || c.rows != a_rows || c.cols != b_cols) {
        reject("gemm_f64", "op(a) is " + std::to_string(a_rows) + " x " + std::to_string(a_cols) + ", op(b) is " +
                               std::to_string(b_rows) + " x " + std::to_string(b_cols) + ", c is " + shape_of(c));
    }
}

void check_csr_times_dense_f64_shapes(const CsrView& a, ConstMatrixViewF64 b, ConstMatrixViewF64 c) {
    check_csr("csr_times_dense_f64", "a", a);
    check_matrix("csr_times_dense_f64", "b", b);
    check_matrix("csr_times_dense_f64", "c", c);
    if (b.rows != a.cols || c.rows != a.rows || c.cols != b.cols) {
        reject("csr_times_dense_f64", "a is " + shape_of(a) + ", b is " + shape_of(b) + ", c is " + shape_of(c));
    }
    check_not_aliased("csr_times_dense_f64", b, "b", c);
}

void check_dense_times_csr_transpose_f64_shapes(ConstMatrixViewF64 b, const CsrView& a, ConstMatrixViewF64 c) {
    check_csr("dense_times_csr_transpose_f64", "a", a);
    check_matrix("dense_times_csr_transpose_f64", "b", b);
    check_matrix("dense_times_csr_transpose_f64", "c", c);
    if (b.cols != a.cols || c.rows != b.rows || c.cols != a.rows) {
        reject("dense_times_csr_transpose_f64", "b is " + shape_of(b) + ", a is " + shape_of(a) + ", c is " + shape_of(c));
    }
    check_not_aliased("dense_times_csr_transpose_f64", b, "b", c);
}

void check_relu_kernel_expectation_arguments(ConstMatrixViewF64 sigma, ConstMatrixViewF64 theta,
                                             const double* row_variance, const double* column_variance) {
    check_matrix("relu_kernel_expectation", "sigma", sigma);
    check_matrix("relu_kernel_expectation", "theta", theta);
    if (sigma.rows != theta.rows || sigma.cols != theta.cols) {
        reject("relu_kernel_expectation", "sigma is " + shape_of(sigma) + " but theta is " + shape_of(theta));
    }
    if (sigma.size() > 0 && sigma.data == theta.data) reject("relu_kernel_expectation", "sigma and theta are the same memory");
    if (sigma.size() > 0 && (row_variance == nullptr || column_variance == nullptr)) {
        reject("relu_kernel_expectation", "the row and column variances are needed");
    }
}

void check_copy_diagonal_f64_arguments(ConstMatrixViewF64 m, const double* out) {
    check_matrix("copy_diagonal_f64", "m", m);
    if (m.rows != m.cols) reject("copy_diagonal_f64", "m is " + shape_of(m) + ", not square");
    if (m.rows > 0 && out == nullptr) reject("copy_diagonal_f64", "out is missing");
}

void check_contiguous(const char* operation, const char* argument, ConstMatrixView m) {
    if (m.is_contiguous()) return;
    reject(operation, std::string(argument) + " is a strided view (" + shape_of(m) +
                          "), and this backend's " + operation +
                          " reads contiguous matrices only; copy the block into a matrix of its own first");
}

void check_array(const char* operation, const char* argument, const void* data, std::int64_t count) {
    if (count < 0) reject(operation, std::string(argument) + " has a negative count " + std::to_string(count));
    if (count > 0 && data == nullptr) reject(operation, std::string(argument) + " has no data");
}

void check_weighted_sum_arguments(std::span<const float* const> sources, std::span<const double> weights,
                                  const float* out, std::int64_t count) {
    if (sources.empty() || sources.size() > static_cast<std::size_t>(Backend::max_weighted_sum_sources)) {
        reject("weighted_sum", std::to_string(sources.size()) + " sources; between 1 and " +
                                   std::to_string(Backend::max_weighted_sum_sources) + " are summed in one call");
    }
    if (weights.size() != sources.size()) {
        reject("weighted_sum", std::to_string(sources.size()) + " sources but " + std::to_string(weights.size()) + " weights");
    }
    for (const float* source : sources) check_array("weighted_sum", "a source", source, count);
    check_array("weighted_sum", "out", out, count);
}

void check_same_shape(const char* operation, ConstMatrixView first, ConstMatrixView second) {
    check_matrix(operation, "input", first);
    check_matrix(operation, "output", second);
    if (first.rows != second.rows || first.cols != second.cols) {
        reject(operation, "shapes differ: " + shape_of(first) + " and " + shape_of(second));
    }
}

void check_add_row_vector_arguments(ConstMatrixView m, const float* row_vector) {
    check_matrix("add_row_vector", "m", m);
    check_array("add_row_vector", "row_vector", row_vector, m.size() > 0 ? m.cols : 0);
}

void check_column_sums_arguments(ConstMatrixView m, const float* out) {
    check_matrix("column_sums", "m", m);
    check_array("column_sums", "out", out, m.cols);
}

void check_row_dot_arguments(ConstMatrixView a, ConstMatrixView b, const float* out) {
    check_same_shape("row_dot", a, b);
    check_array("row_dot", "out", out, a.rows);
}

void check_scale_rows_arguments(ConstMatrixView in, const float* scale, ConstMatrixView out) {
    check_same_shape("scale_rows", in, out);
    check_array("scale_rows", "scale", scale, in.rows);
}

void check_dropout_arguments(ConstMatrixView in, ConstMatrixView out, const float* mask, float rate) {
    check_same_shape("dropout_forward", in, out);
    check_array("dropout_forward", "mask", mask, in.size());
    if (!(rate >= 0.0f && rate < 1.0f)) {
        reject("dropout_forward", "rate must be in [0, 1), got " + std::to_string(rate));
    }
}

namespace {

// A batch of rows to normalize: contiguous, and rows that have columns to take a mean over.
void check_normalized_rows(const char* operation, const char* argument, ConstMatrixView m) {
    check_matrix(operation, argument, m);
    check_contiguous(operation, argument, m);
    if (m.rows > 0 && m.cols == 0) {
        reject(operation, std::string(argument) + " is " + shape_of(m) + ": rows without columns have no mean");
    }
}

}  // namespace

void check_layer_norm_forward_arguments(ConstMatrixView in, const float* gain, const float* bias, float epsilon,
                                        ConstMatrixView out, const float* mean, const float* inverse_std) {
    constexpr const char* operation = "layer_norm_forward";
    check_normalized_rows(operation, "in", in);
    check_same_shape(operation, in, out);
    check_contiguous(operation, "out", out);
    const std::int64_t columns_read = in.rows > 0 ? in.cols : 0;
    check_array(operation, "gain", gain, columns_read);
    check_array(operation, "bias", bias, columns_read);
    check_array(operation, "mean", mean, in.rows);
    check_array(operation, "inverse_std", inverse_std, in.rows);
    if (!(epsilon > 0.0f) || !std::isfinite(epsilon)) {
        reject(operation, "epsilon must be positive and finite, got " + std::to_string(epsilon) +
                              " (it keeps a row of equal values from dividing by a zero deviation)");
    }
}

void check_layer_norm_backward_arguments(ConstMatrixView in, const float* mean, const float* inverse_std,
                                         const float* gain, ConstMatrixView grad_out, ConstMatrixView grad_in,
                                         const float* grad_gain, const float* grad_bias) {
    constexpr const char* operation = "layer_norm_backward";
    check_normalized_rows(operation, "in", in);
    check_matrix(operation, "grad_out", grad_out);
    check_contiguous(operation, "grad_out", grad_out);
    if (grad_out.rows != in.rows || grad_out.cols != in.cols) {
        reject(operation, "in is " + shape_of(in) + " but grad_out is " + shape_of(grad_out));
    }
    check_array(operation, "mean", mean, in.rows);
    check_array(operation, "inverse_std", inverse_std, in.rows);
    check_array(operation, "gain", gain, in.rows > 0 ? in.cols : 0);
    if (grad_in.data != nullptr) {
        check_matrix(operation, "grad_in", grad_in);
        check_contiguous(operation, "grad_in", grad_in);
        if (grad_in.rows != in.rows || grad_in.cols != in.cols) {
            reject(operation, "in is " + shape_of(in) + " but grad_in is " + shape_of(grad_in));
        }
    }
    if ((grad_gain == nullptr) != (grad_bias == nullptr) && in.cols > 0) {
        reject(operation, "grad_gain and grad_bias come together: one of them is missing");
    }
}

void check_loss_shapes(const char* operation, ConstMatrixView logits, const CsrView& labels, ConstMatrixView grad) {
    check_matrix(operation, "logits", logits);
    check_contiguous(operation, "logits", logits);
    check_contiguous(operation, "grad", grad);
    check_csr(operation, "labels", labels);
    if (labels.rows != logits.rows || labels.cols != logits.cols) {
        reject(operation, "logits are " + shape_of(logits) + " but labels are " + shape_of(labels));
    }
    if (grad.data != nullptr && (grad.rows != logits.rows || grad.cols != logits.cols)) {
        reject(operation, "logits are " + shape_of(logits) + " but grad is " + shape_of(grad));
    }
}

void check_linear_softmax_arguments(const LinearSoftmaxStep& step) {
    constexpr const char* operation = "linear_softmax_cross_entropy";
    check_matrix(operation, "input", step.input);
    check_matrix(operation, "weight", step.weight);
    check_csr(operation, "labels", step.labels);
    check_matrix(operation, "scratch", step.scratch);
    check_matrix(operation, "grad_weight", step.grad_weight);
    check_contiguous(operation, "input", step.input);
    check_contiguous(operation, "weight", step.weight);
    check_contiguous(operation, "scratch", step.scratch);
    check_contiguous(operation, "grad_weight", step.grad_weight);
    check_contiguous(operation, "grad_input", step.grad_input);
    if (step.input.cols != step.weight.rows) {
        reject(operation, "input is " + shape_of(step.input) + " but weight is " + shape_of(step.weight));
    }
    const ConstMatrixView logits{nullptr, step.input.rows, step.weight.cols};
    if (step.labels.rows != logits.rows || step.labels.cols != logits.cols) {
        reject(operation, "the logits are " + shape_of(logits) + " but labels are " + shape_of(step.labels));
    }
    if (step.scratch.rows != logits.rows || step.scratch.cols != logits.cols) {
        reject(operation, "the logits are " + shape_of(logits) + " but scratch is " + shape_of(step.scratch));
    }
    if (step.grad_weight.rows != step.weight.rows || step.grad_weight.cols != step.weight.cols) {
        reject(operation, "weight is " + shape_of(step.weight) + " but grad_weight is " + shape_of(step.grad_weight));
    }
    check_array(operation, "bias", step.bias, step.weight.cols);
    check_array(operation, "grad_bias", step.grad_bias, step.weight.cols);
    if (step.grad_input.data != nullptr &&
        (step.grad_input.rows != step.input.rows || step.grad_input.cols != step.input.cols)) {
        reject(operation, "input is " + shape_of(step.input) + " but grad_input is " + shape_of(step.grad_input));
    }
}

void check_top_k_arguments(ConstMatrixView scores, int k, const std::int32_t* indices) {
    check_matrix("top_k", "scores", scores);
    check_contiguous("top_k", "scores", scores);
    if (k < 1 || k > scores.cols) {
        reject("top_k", "k = " + std::to_string(k) + " is outside [1, " + std::to_string(scores.cols) + "]");
    }
    check_array("top_k", "indices", indices, scores.rows * k);
}

void check_sgd_arguments(const float* weights, const float* gradient, const float* velocity, std::int64_t count,
                         const SgdHyperparameters& hyper) {
    check_array("sgd_update", "weights", weights, count);
    check_array("sgd_update", "gradient", gradient, count);
    check_sgd_hyperparameters("sgd_update", hyper, velocity, count > 0);
}

void check_sgd_rows_arguments(ConstMatrixView weights, const std::int32_t* rows, ConstMatrixView grad_rows,
                              const float* velocity, const SgdHyperparameters& hyper) {
    check_matrix("sgd_update_rows", "weights", weights);
    check_matrix("sgd_update_rows", "grad_rows", grad_rows);
    check_contiguous("sgd_update_rows", "weights", weights);
    check_contiguous("sgd_update_rows", "grad_rows", grad_rows);
    check_array("sgd_update_rows", "rows", rows, grad_rows.rows);
    if (grad_rows.rows > 0 && grad_rows.cols != weights.cols) {
        reject("sgd_update_rows", "weights are " + shape_of(weights) + " but grad_rows are " + shape_of(grad_rows));
    }
    // The listed rows are distinct, so there cannot be more of them than the weights have.
    if (grad_rows.rows > weights.rows) {
        reject("sgd_update_rows", "grad_rows list " + std::to_string(grad_rows.rows) +
                                      " rows but the weights have only " + std::to_string(weights.rows));
    }
    check_sgd_hyperparameters("sgd_update_rows", hyper, velocity, grad_rows.size() > 0);
}

void check_gather_rows_arguments(ConstMatrixView source, const std::int32_t* rows, ConstMatrixView out) {
    check_matrix("gather_rows", "source", source);
    check_matrix("gather_rows", "out", out);
    check_array("gather_rows", "rows", rows, out.rows);
    if (out.rows > 0 && out.cols != source.cols) {
        reject("gather_rows", "source is " + shape_of(source) + " but out is " + shape_of(out) + ": the column counts differ");
    }
    if (out.rows > 0 && source.rows == 0) reject("gather_rows", "out has rows to gather but source has none");
}

void check_scatter_rows_arguments(ConstMatrixView in, const std::int32_t* rows, ConstMatrixView destination) {
    check_matrix("scatter_rows", "in", in);
    check_matrix("scatter_rows", "destination", destination);
    check_array("scatter_rows", "rows", rows, in.rows);
    if (in.rows > 0 && in.cols != destination.cols) {
        reject("scatter_rows", "in is " + shape_of(in) + " but destination is " + shape_of(destination) +
                                   ": the column counts differ");
    }
    // The listed rows are distinct, so there cannot be more of them than the destination has.
    if (in.rows > destination.rows) {
        reject("scatter_rows", "in has " + std::to_string(in.rows) + " rows but the destination only " +
                                   std::to_string(destination.rows));
    }
}

void check_lazy_row_update_arguments(ConstMatrixView records, const std::int32_t* rows, ConstMatrixView gradient,
                                     const RowOptimizerSettings& settings) {
    check_matrix("lazy_row_update", "records", records);
    check_matrix("lazy_row_update", "gradient", gradient);
    check_contiguous("lazy_row_update", "records", records);
    check_contiguous("lazy_row_update", "gradient", gradient);
    check_array("lazy_row_update", "rows", rows, gradient.rows);
    if (gradient.size() == 0) return;
    const int record_floats = row_record_floats(settings.kind, static_cast<int>(gradient.cols));
    if (records.cols != record_floats) {
        reject("lazy_row_update", "a " + row_optimizer_names().name(settings.kind) + " record of " +
                                      std::to_string(gradient.cols) + " values has " + std::to_string(record_floats) +
                                      " floats but the records are " + shape_of(records));
    }
    if (gradient.rows > records.rows) {
        reject("lazy_row_update", "the gradient lists " + std::to_string(gradient.rows) + " rows but the records are only " +
                                      std::to_string(records.rows));
    }
    if (!std::isfinite(settings.learning_rate) || !std::isfinite(settings.epsilon) ||
        !std::isfinite(settings.beta1) || !std::isfinite(settings.beta2)) {
        reject("lazy_row_update", "the optimizer settings must be finite");
    }
}

}  // namespace tb
