#pragma once
// The argument checks every Backend implementation runs before an operation, in one place so that the
// CPU and CUDA backends reject exactly the same calls with the same messages. Each throws
// std::invalid_argument naming the operation and the shapes it was given. Only shapes and pointers
// are checked: the contents of index arrays live in device memory and are trusted. Every matrix's leading
// dimension is checked to be 0 or at least its column count; the losses, the output layer, top_k and the
// optimizer updates also reject strided views on every backend, the other operations leave that to the
// backend (Backend::supports_strided_views).

#include <cstdint>
#include <span>

#include "core/backend/backend.h"

namespace tb {

void check_gemm_shapes(Transpose transpose_a, Transpose transpose_b, ConstMatrixView a, ConstMatrixView b,
                       ConstMatrixView c);
void check_csr_times_dense_shapes(const CsrView& a, ConstMatrixView b, ConstMatrixView c);
void check_csr_transpose_times_dense_shapes(const CsrView& a, ConstMatrixView b, ConstMatrixView c);

// Rejects a strided view (views.h) for an operation that reads its matrices as contiguous arrays.
void check_contiguous(const char* operation, const char* argument, ConstMatrixView m);

// A flat array of `count` elements: count >= 0 and a pointer when count > 0.
void check_array(const char* operation, const char* argument, const void* data, std::int64_t count);
// Two matrices that must have the same shape (in/out of the element-wise kernels).
void check_same_shape(const char* operation, ConstMatrixView first, ConstMatrixView second);
void check_add_row_vector_arguments(ConstMatrixView m, const float* row_vector);
void check_column_sums_arguments(ConstMatrixView m, const float* out);
void check_row_dot_arguments(ConstMatrixView a, ConstMatrixView b, const float* out);
void check_scale_rows_arguments(ConstMatrixView in, const float* scale, ConstMatrixView out);
void check_dropout_arguments(ConstMatrixView in, ConstMatrixView out, const float* mask, float rate);
// in (rows x cols, contiguous, at least one column when it has rows) and out of its shape, gain and bias
// of cols floats and mean and inverse_std of rows (none read or written for an empty batch), epsilon
// positive and finite.
void check_layer_norm_forward_arguments(ConstMatrixView in, const float* gain, const float* bias, float epsilon,
                                        ConstMatrixView out, const float* mean, const float* inverse_std);
// in and grad_out of one shape (contiguous, as in forward), mean and inverse_std of rows, gain of cols;
// grad_in either null or in's shape, grad_gain and grad_bias both null or both of cols.
void check_layer_norm_backward_arguments(ConstMatrixView in, const float* mean, const float* inverse_std,
                                         const float* gain, ConstMatrixView grad_out, ConstMatrixView grad_in,
                                         const float* grad_gain, const float* grad_bias);

// logits (rows x cols), labels (rows x cols), grad either null or logits' shape.
void check_loss_shapes(const char* operation, ConstMatrixView logits, const CsrView& labels, ConstMatrixView grad);
// input (batch x in), weight (in x outputs), bias, labels, scratch and grad_weight to match, grad_input
// either null or input's shape.
void check_linear_softmax_arguments(const LinearSoftmaxStep& step);
// 1 to Backend::max_weighted_sum_sources sources, one weight each, every source and out present when
// count > 0.
void check_weighted_sum_arguments(std::span<const float* const> sources, std::span<const double> weights,
                                  const float* out, std::int64_t count);
void check_top_k_arguments(ConstMatrixView scores, int k, const std::int32_t* indices);

void check_sgd_arguments(const float* weights, const float* gradient, const float* velocity, std::int64_t count,
                         const SgdHyperparameters& hyper);
void check_gather_rows_arguments(ConstMatrixView source, const std::int32_t* rows, ConstMatrixView out);
void check_scatter_rows_arguments(ConstMatrixView in, const std::int32_t* rows, ConstMatrixView destination);
void check_lazy_row_update_arguments(ConstMatrixView records, const std::int32_t* rows, ConstMatrixView gradient,
                                     const RowOptimizerSettings& settings);
void check_sgd_rows_arguments(ConstMatrixView weights, const std::int32_t* rows, ConstMatrixView grad_rows,
                              const float* velocity, const SgdHyperparameters& hyper);

void check_gemm_f64_shapes(Transpose transpose_a, Transpose transpose_b, ConstMatrixViewF64 a, ConstMatrixViewF64 b,
                           ConstMatrixViewF64 c);
// a (m x k) and b (k x n) into c (m x n); a and b must not be c.
void check_csr_times_dense_f64_shapes(const CsrView& a, ConstMatrixViewF64 b, ConstMatrixViewF64 c);
// b (m x k) and a (n x k) into c (m x n).
void check_dense_times_csr_transpose_f64_shapes(ConstMatrixViewF64 b, const CsrView& a, ConstMatrixViewF64 c);
void check_relu_kernel_expectation_arguments(ConstMatrixViewF64 sigma, ConstMatrixViewF64 theta,
                                             const double* row_variance, const double* column_variance);
void check_copy_diagonal_f64_arguments(ConstMatrixViewF64 m, const double* out);

}  // namespace tb
