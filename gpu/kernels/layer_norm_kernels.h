#pragma once
// Launchers for layer normalization (layer_norm_kernels.cu): Backend::layer_norm_forward and
// layer_norm_backward on device memory. Each enqueues on `stream` and checks the launch; shapes were
// checked by the caller (check_layer_norm_forward_arguments, check_layer_norm_backward_arguments) and
// the launchers check only what the grid can hold.

#include <cuda_runtime_api.h>

#include <cstdint>

#include "core/backend/views.h"

namespace tb::gpu {

void launch_layer_norm_forward(ConstMatrixView in, const float* gain, const float* bias, float epsilon,
                               MatrixView out, float* mean, float* inverse_std, cudaStream_t stream);

// The doubles of scratch the parameter gradients of a rows x cols backward need.
std::int64_t layer_norm_partials_size(std::int64_t rows, std::int64_t cols);

// grad_in.data null skips the input gradient, grad_gain null (with grad_bias) the parameter gradients;
// partials holds layer_norm_partials_size(in.rows, in.cols) doubles when they are wanted.
void launch_layer_norm_backward(ConstMatrixView in, const float* mean, const float* inverse_std, const float* gain,
                                ConstMatrixView grad_out, MatrixView grad_in, float parameter_beta, float* grad_gain,
                                float* grad_bias, double* partials, cudaStream_t stream);

}  // namespace tb::gpu
