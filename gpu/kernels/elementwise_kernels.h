#pragma once
// Launchers for the backend's element-wise, layout and optimizer kernels (elementwise_kernels.cu).
// Each enqueues on `stream` and checks the launch; shapes were checked by the caller
// (core/backend/operation_shape_checks.h). Counts are elements.

#include <cuda_runtime_api.h>

#include <cstdint>

#include "core/backend/backend.h"

namespace tb::gpu {

void launch_fill(float* x, std::int64_t count, float value, cudaStream_t stream);
void launch_scale(float* x, std::int64_t count, float alpha, cudaStream_t stream);
// y = alpha x + beta y; with beta == 0, y is written without being read.
void launch_axpby(float alpha, const float* x, float beta, float* y, std::int64_t count, cudaStream_t stream);
void launch_add_row_vector(MatrixView m, const float* row_vector, cudaStream_t stream);
// out = alpha * column sums of m + beta * out, summed in double in row order.
void launch_column_sums(float alpha, ConstMatrixView m, float beta, float* out, cudaStream_t stream);
// out[r] = alpha <a[r, :], b[r, :]> + beta out[r], summed in double in column order.
void launch_row_dot(float alpha, ConstMatrixView a, ConstMatrixView b, float beta, float* out, cudaStream_t stream);
// out[r, :] = scale[r] in[r, :] + beta out[r, :]; with beta == 0, out is written without being read.
void launch_scale_rows(ConstMatrixView in, const float* scale, float beta, MatrixView out, cudaStream_t stream);
void launch_relu_forward(const float* in, float* out, std::int64_t count, cudaStream_t stream);
void launch_relu_backward(const float* activation, const float* grad_out, float* grad_in, std::int64_t count,
                          cudaStream_t stream);
void launch_dropout_forward(const float* in, float* out, float* mask, std::int64_t count, float rate,
                            std::uint64_t seed, std::uint64_t stream_offset, cudaStream_t stream);
void launch_multiply(const float* x, const float* factor, float* out, std::int64_t count, cudaStream_t stream);

void launch_sgd_update(float* weights, const float* gradient, float* velocity, std::int64_t count,
                       const SgdHyperparameters& hyper, cudaStream_t stream);
void launch_sgd_update_rows(MatrixView weights, const std::int32_t* rows, ConstMatrixView grad_rows, float* velocity,
                            const SgdHyperparameters& hyper, cudaStream_t stream);

// 32-bit copies of CSR row offsets, for cuSPARSE (which wants both index arrays of one width).
void launch_narrow_offsets(const std::int64_t* offsets, std::int32_t* narrowed, std::int64_t count,
                           cudaStream_t stream);

// out = sum_i weights[i] * sources[i] over `count` elements, all on this device, summed in double in
// source order and rounded once; out may be one of the sources. The model merge of workers sharing one
// GPU (green-context partitions). The caller checked 1 <= source_count <= 32.
void launch_weighted_sum(const float* const* sources, const double* weights, int source_count, float* out,
                         std::int64_t count, cudaStream_t stream);

}  // namespace tb::gpu
