// Reductions and the loss kernels. A loss row of the Delicious-200K shape is 205,443 logits (822 KB):
// one block per row streams it from memory once, and the later passes over the same row hit L2, so a
// loss costs about one read of the logits and one write of the gradient, as on the CPU.

#include <cfloat>

#include "gpu/gpu_status_check.h"
#include "gpu/kernels/launch_geometry.cuh"
#include "gpu/kernels/reduction_and_loss_kernels.h"

namespace tb::gpu {
namespace {

constexpr int reduction_threads = 256;
// First-pass blocks: each sums a grid-strided share; the partials are then added by one block in
// index order. The count depends only on the size, which keeps the result reproducible.
constexpr std::int64_t max_reduction_blocks = 1024;
constexpr int loss_threads = 1024;

std::int64_t reduction_blocks(std::int64_t count) {
    const std::int64_t blocks = (count + reduction_threads * 4 - 1) / (reduction_threads * 4);
    return blocks < 1 ? 1 : (blocks > max_reduction_blocks ? max_reduction_blocks : blocks);
}

// ---- block-wide reductions through shared memory -------------------------------------------------

template <int threads>
__device__ double block_sum(double value, double* shared) {
    shared[threadIdx.x] = value;
    __syncthreads();
    for (int stride = threads / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) shared[threadIdx.x] += shared[threadIdx.x + stride];
        __syncthreads();
    }
    const double total = shared[0];
    __syncthreads();  // the buffer is reused by the caller's next reduction
    return total;
}

template <int threads>
__device__ float block_maximum(float value, float* shared) {
    shared[threadIdx.x] = value;
    __syncthreads();
    for (int stride = threads / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) shared[threadIdx.x] = fmaxf(shared[threadIdx.x], shared[threadIdx.x + stride]);
        __syncthreads();
    }
    const float maximum = shared[0];
    __syncthreads();
    return maximum;
}

// ---- reductions -------------------------------------------------------------------------------------

__device__ inline double term_of(ReducedTerm term, const float* x, const float* y, std::int64_t i) {
    const double a = static_cast<double>(x[i]);
    switch (term) {
        case ReducedTerm::product: return a * static_cast<double>(y[i]);
        case ReducedTerm::square: return a * a;
        case ReducedTerm::value: break;
    }
    return a;
}

__global__ void partial_sums_kernel(ReducedTerm term, const float* x, const float* y, std::int64_t count,
                                    double* partials) {
    __shared__ double shared[reduction_threads];
    double total = 0.0;
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * reduction_threads;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * reduction_threads + threadIdx.x; i < count;
         i += stride) {
        total += term_of(term, x, y, i);
    }
    total = block_sum<reduction_threads>(total, shared);
    if (threadIdx.x == 0) partials[blockIdx.x] = total;
}

// One block adds `count` doubles: each thread a strided share, then the tree.
__global__ void sum_doubles_kernel(const double* values, std::int64_t count, double* result) {
    __shared__ double shared[reduction_threads];
    double total = 0.0;
    for (std::int64_t i = threadIdx.x; i < count; i += reduction_threads) total += values[i];
    total = block_sum<reduction_threads>(total, shared);
    if (threadIdx.x == 0) result[0] = total;
}

// ---- losses -----------------------------------------------------------------------------------------

// Sum of x over a row's label columns (the labels' values are ignored: only the ids count).
__device__ double sum_at_labels(const float* x, const std::int64_t* label_offsets, const std::int32_t* label_columns,
                                std::int64_t row, double* shared) {
    double total = 0.0;
    for (std::int64_t p = label_offsets[row] + threadIdx.x; p < label_offsets[row + 1]; p += loss_threads) {
        total += static_cast<double>(x[label_columns[p]]);
    }
    return block_sum<loss_threads>(total, shared);
}

// One block per row. -sum_l (1/|L|) log softmax(x)_l = max + log(sum_j exp(x_j - max)) - mean_l x_l,
// grad = scale * (softmax(x) - target). The label logits are read before any gradient is written, so
// grad may alias logits.
__global__ void softmax_cross_entropy_kernel(const float* logits, std::int64_t cols, const std::int64_t* label_offsets,
                                             const std::int32_t* label_columns, float* grad, float grad_scale,
                                             double* row_losses) {
    __shared__ double shared_sum[loss_threads];
    __shared__ float shared_max[loss_threads];
    const std::int64_t row = blockIdx.x;
    const float* x = logits + row * cols;
    float* g = grad != nullptr ? grad + row * cols : nullptr;
    const std::int64_t label_count = label_offsets[row + 1] - label_offsets[row];
    if (label_count == 0) {
        // Rows without labels add no loss and get a zero gradient.
        if (g != nullptr) {
            for (std::int64_t j = threadIdx.x; j < cols; j += loss_threads) g[j] = 0.0f;
        }
        if (threadIdx.x == 0) row_losses[row] = 0.0;
        return;
    }
    float maximum = -FLT_MAX;
    for (std::int64_t j = threadIdx.x; j < cols; j += loss_threads) maximum = fmaxf(maximum, x[j]);
    maximum = block_maximum<loss_threads>(maximum, shared_max);
    double exponentials = 0.0;
    for (std::int64_t j = threadIdx.x; j < cols; j += loss_threads) {
        exponentials += static_cast<double>(expf(x[j] - maximum));
    }
    const double exponential_sum = block_sum<loss_threads>(exponentials, shared_sum);
    const double label_mean = sum_at_labels(x, label_offsets, label_columns, row, shared_sum) /
                              static_cast<double>(label_count);
    if (threadIdx.x == 0) row_losses[row] = static_cast<double>(maximum) + log(exponential_sum) - label_mean;
    if (g == nullptr) return;
    const float probability_scale = static_cast<float>(static_cast<double>(grad_scale) / exponential_sum);
    for (std::int64_t j = threadIdx.x; j < cols; j += loss_threads) g[j] = expf(x[j] - maximum) * probability_scale;
    __syncthreads();  // the label columns below may have been written by another thread
    const float target = static_cast<float>(static_cast<double>(grad_scale) / static_cast<double>(label_count));
    for (std::int64_t p = label_offsets[row] + threadIdx.x; p < label_offsets[row + 1]; p += loss_threads) {
        g[label_columns[p]] -= target;
    }
}

// softplus(x) - x t summed over the row, with softplus(x) = max(x, 0) + log1p(exp(-|x|)): the
// exponential never overflows. sigmoid(x) comes from the same exp(-|x|).
__global__ void sigmoid_binary_cross_entropy_kernel(const float* logits, std::int64_t cols,
                                                    const std::int64_t* label_offsets,
                                                    const std::int32_t* label_columns, float* grad, float grad_scale,
                                                    double* row_losses) {
    __shared__ double shared_sum[loss_threads];
    const std::int64_t row = blockIdx.x;
    const float* x = logits + row * cols;
    float* g = grad != nullptr ? grad + row * cols : nullptr;
    const double label_logit_sum = sum_at_labels(x, label_offsets, label_columns, row, shared_sum);
    double softplus = 0.0;
    for (std::int64_t j = threadIdx.x; j < cols; j += loss_threads) {
        const float value = x[j];
        const float e = expf(-fabsf(value));
        softplus += static_cast<double>(fmaxf(value, 0.0f) + log1pf(e));
        if (g != nullptr) {
            const float reciprocal = 1.0f / (1.0f + e);
            g[j] = grad_scale * (value >= 0.0f ? reciprocal : e * reciprocal);
        }
    }
    const double softplus_sum = block_sum<loss_threads>(softplus, shared_sum);
    if (threadIdx.x == 0) row_losses[row] = softplus_sum - label_logit_sum;
    if (g == nullptr) return;
    // block_sum ended with a barrier, so every gradient element above is written.
    for (std::int64_t p = label_offsets[row] + threadIdx.x; p < label_offsets[row + 1]; p += loss_threads) {
        g[label_columns[p]] -= grad_scale;
    }
}

void sum_row_losses(const double* row_losses, std::int64_t rows, double* result, cudaStream_t stream) {
    sum_doubles_kernel<<<1, reduction_threads, 0, stream>>>(row_losses, rows, result);
    TB_GPU_CHECK_LAUNCH();
}

}  // namespace

std::int64_t reduction_scratch_size(std::int64_t count) { return reduction_blocks(count); }

void launch_reduction(ReducedTerm term, const float* x, const float* y, std::int64_t count, double* scratch,
                      double* result, cudaStream_t stream) {
    const std::int64_t blocks = reduction_blocks(count);
    if (count > 0) {
        partial_sums_kernel<<<static_cast<unsigned int>(blocks), reduction_threads, 0, stream>>>(term, x, y, count,
                                                                                                 scratch);
        TB_GPU_CHECK_LAUNCH();
    }
    sum_doubles_kernel<<<1, reduction_threads, 0, stream>>>(scratch, count > 0 ? blocks : 0, result);
    TB_GPU_CHECK_LAUNCH();
}

void launch_softmax_cross_entropy(ConstMatrixView logits, const CsrView& labels, MatrixView grad, float grad_scale,
                                  double* row_losses, double* result, cudaStream_t stream) {
    if (logits.rows > 0) {
        softmax_cross_entropy_kernel<<<static_cast<unsigned int>(logits.rows), loss_threads, 0, stream>>>(
            logits.data, logits.cols, labels.row_offsets, labels.column_indices, grad.data, grad_scale, row_losses);
        TB_GPU_CHECK_LAUNCH();
    }
    sum_row_losses(row_losses, logits.rows, result, stream);
}

void launch_sigmoid_binary_cross_entropy(ConstMatrixView logits, const CsrView& labels, MatrixView grad,
                                         float grad_scale, double* row_losses, double* result, cudaStream_t stream) {
    if (logits.rows > 0) {
        sigmoid_binary_cross_entropy_kernel<<<static_cast<unsigned int>(logits.rows), loss_threads, 0, stream>>>(
            logits.data, logits.cols, labels.row_offsets, labels.column_indices, grad.data, grad_scale, row_losses);
        TB_GPU_CHECK_LAUNCH();
    }
    sum_row_losses(row_losses, logits.rows, result, stream);
}

}  // namespace tb::gpu
