// CudaBackend's layer normalization: core's argument checks, then the kernels of
// gpu/kernels/layer_norm_kernels.cu on the backend's stream.

#include <algorithm>

#include "core/backend/operation_shape_checks.h"
#include "gpu/cuda_backend.h"
#include "gpu/kernels/layer_norm_kernels.h"

namespace tb::gpu {

void CudaBackend::layer_norm_forward(ConstMatrixView in, const float* gain, const float* bias, float epsilon,
                                     MatrixView out, float* mean, float* inverse_std) {
    check_layer_norm_forward_arguments(in, gain, bias, epsilon, out, mean, inverse_std);
    if (in.rows == 0) return;
    activate();
    launch_layer_norm_forward(in, gain, bias, epsilon, out, mean, inverse_std, stream_);
}

void CudaBackend::layer_norm_backward(ConstMatrixView in, const float* mean, const float* inverse_std,
                                      const float* gain, ConstMatrixView grad_out, MatrixView grad_in,
                                      float parameter_beta, float* grad_gain, float* grad_bias) {
    check_layer_norm_backward_arguments(in, mean, inverse_std, gain, grad_out, grad_in, grad_gain, grad_bias);
    activate();
    double* partials = nullptr;
    if (grad_gain != nullptr && in.rows > 0 && in.cols > 0) {
        // Kept from step to step: workspace, whatever the caller's category. Growing it frees the old
        // array, and cudaFree waits for the kernels that may still read it.
        const MemoryCategoryScope category(MemoryCategory::workspace);
        ensure_capacity(layer_norm_partials_, *this, layer_norm_partials_size(in.rows, in.cols),
                        "layer_norm_backward's column sums");
        partials = layer_norm_partials_.data();
    }
    launch_layer_norm_backward(in, mean, inverse_std, gain, grad_out, grad_in, parameter_beta, grad_gain, grad_bias,
                               partials, stream_);
}

}  // namespace tb::gpu
