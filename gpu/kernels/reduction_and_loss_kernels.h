#pragma once
// Launchers for the reductions and the loss kernels (reduction_and_loss_kernels.cu). Results land in
// device memory as doubles; the backend copies them back and synchronizes. Every sum is taken in a
// fixed order for a given size, so a run gives the same bits every time on the same GPU.

#include <cuda_runtime_api.h>

#include <cstdint>

#include "core/backend/views.h"

namespace tb::gpu {

enum class ReducedTerm { value, product, square };

// The number of doubles of scratch a reduction over `count` elements needs.
std::int64_t reduction_scratch_size(std::int64_t count);

// result[0] = sum over i of term(x[i], y[i]) in double. scratch holds reduction_scratch_size(count).
void launch_reduction(ReducedTerm term, const float* x, const float* y, std::int64_t count, double* scratch,
                      double* result, cudaStream_t stream);

// Per-row losses into row_losses (logits.rows doubles), then their sum into result[0]. grad.data may be
// null (loss only) or alias logits.
void launch_softmax_cross_entropy(ConstMatrixView logits, const CsrView& labels, MatrixView grad, float grad_scale,
                                  double* row_losses, double* result, cudaStream_t stream);
void launch_sigmoid_binary_cross_entropy(ConstMatrixView logits, const CsrView& labels, MatrixView grad,
                                         float grad_scale, double* row_losses, double* result, cudaStream_t stream);

}  // namespace tb::gpu
