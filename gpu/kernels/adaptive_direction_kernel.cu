// The Adam-family and layer-wise update direction in one pass over memory: Adam (Kingma & Ba, ICLR 2015)
// with L2 weight decay, AdamW's decoupled decay (Loshchilov & Hutter, ICLR 2019), LAMB's direction
// (You et al., ICLR 2020) and LARS's decayed gradient (You et al., 2017), which the optimizers in
// core/optim scale by their learning rate and trust ratio. Each element reads w, g (and m, v) and
// writes d (and m, v), and the squared norms of w, the scaled g and d that LARS and LAMB need come out
// of the same pass, so the update never reads the segment twice.
//
// The arithmetic is in double with the operation order of the CPU's (core/backend/adaptive_direction*),
// so every backend stores the same floats, but for the rare element where a contracted multiply-add
// rounds the double to the other side of a float. The kernel is memory-bound
// (28 bytes per element with moments): on the data-centre GPUs the backend targets, double arithmetic at
// half the float rate costs nothing visible next to the traffic.
//
// The norms are reproducible: each thread sums a grid-strided share in a fixed order, each block adds
// its threads in a fixed tree, and one block adds the block sums in index order. The grid size depends
// only on the element count, so a given call gives the same bits on every run and every partition.

#include <stdexcept>

#include "core/backend/adaptive_direction_constants.h"
#include "gpu/gpu_status_check.h"
#include "gpu/kernels/adaptive_direction_kernel.h"
#include "gpu/kernels/launch_geometry.cuh"

namespace tb::gpu {
namespace {

constexpr int direction_threads = threads_per_block;
constexpr int summed_quantities = adaptive_direction_result_count;

// ---- kernels ---------------------------------------------------------------------------------------

// Adds each of the block's threads' `values` in a fixed tree; thread 0 receives the totals.
__device__ void block_sums(double (&values)[summed_quantities], double (&shared)[summed_quantities][direction_threads]) {
    for (int q = 0; q < summed_quantities; ++q) shared[q][threadIdx.x] = values[q];
    __syncthreads();
    for (int stride = direction_threads / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) {
            for (int q = 0; q < summed_quantities; ++q) shared[q][threadIdx.x] += shared[q][threadIdx.x + stride];
        }
        __syncthreads();
    }
    for (int q = 0; q < summed_quantities; ++q) values[q] = shared[q][0];
}

// Element i of the compact gradient and direction; its weight and moments sit at the same index in a
// dense segment, at row rows[i / cols] in a row-sparse one. partials receives, per block, the four sums
// laid out quantity by quantity (partials[q * gridDim.x + block]).
template <bool moments, bool row_sparse>
__global__ void adaptive_direction_kernel(const float* weights, std::int64_t weight_rows, const std::int32_t* rows,
                                          const float* gradient, float* first_moment, float* second_moment,
                                          float* direction, std::int64_t count, std::int64_t cols,
                                          DirectionConstants k, double* partials) {
    __shared__ double shared[summed_quantities][direction_threads];
    double sums[summed_quantities] = {0.0, 0.0, 0.0, 0.0};
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * direction_threads;
    for (std::int64_t i = static_cast<std::int64_t>(blockIdx.x) * direction_threads + threadIdx.x; i < count;
         i += stride) {
        std::int64_t target = i;
        if constexpr (row_sparse) {
            const std::int64_t listed = i / cols;
            const std::int64_t row = rows[listed];
            if (row < 0 || row >= weight_rows) {
                sums[elements_with_invalid_row] += 1.0;
                continue;
            }
            target = row * cols + (i - listed * cols);
        }
        const double w = weights[target];
        const double g = k.gradient_scale * gradient[i];
        const double decayed = g + k.l2_weight_decay * w;
        double d;
        if constexpr (moments) {
            const double m = k.beta1 * first_moment[target] + k.one_minus_beta1 * decayed;
            const double v = k.beta2 * second_moment[target] + k.one_minus_beta2 * decayed * decayed;
            first_moment[target] = static_cast<float>(m);
            second_moment[target] = static_cast<float>(v);
            d = m * k.first_moment_correction / (sqrt(v * k.second_moment_correction) + k.epsilon) +
                k.decoupled_weight_decay * w;
        } else {
            d = decayed + k.decoupled_weight_decay * w;
        }
        direction[i] = static_cast<float>(d);
        sums[weights_norm_squared] += w * w;
        sums[gradient_norm_squared] += g * g;
        sums[direction_norm_squared] += d * d;
    }
    block_sums(sums, shared);
    if (threadIdx.x == 0) {
        for (int q = 0; q < summed_quantities; ++q) partials[q * gridDim.x + blockIdx.x] = sums[q];
    }
}

// One block adds the `blocks` partial sums of each quantity in index order.
__global__ void sum_partials_kernel(const double* partials, std::int64_t blocks, double* result) {
    __shared__ double shared[summed_quantities][direction_threads];
    double sums[summed_quantities] = {0.0, 0.0, 0.0, 0.0};
    for (std::int64_t b = threadIdx.x; b < blocks; b += direction_threads) {
        for (int q = 0; q < summed_quantities; ++q) sums[q] += partials[q * blocks + b];
    }
    block_sums(sums, shared);
    if (threadIdx.x == 0) {
        for (int q = 0; q < summed_quantities; ++q) result[q] = sums[q];
    }
}

// ---- launchers ---------------------------------------------------------------------------------------

template <bool moments, bool row_sparse>
void launch_direction(ConstMatrixView weights, const std::int32_t* rows, ConstMatrixView gradient,
                      float* first_moment, float* second_moment, MatrixView direction, DirectionConstants constants,
                      double* partials, cudaStream_t stream) {
    const std::int64_t count = gradient.size();
    adaptive_direction_kernel<moments, row_sparse><<<grid_stride_blocks(count), direction_threads, 0, stream>>>(
        weights.data, weights.rows, rows, gradient.data, first_moment, second_moment, direction.data, count,
        gradient.cols, constants, partials);
}

}  // namespace

std::int64_t adaptive_direction_partials_size(std::int64_t count) {
    return summed_quantities * static_cast<std::int64_t>(grid_stride_blocks(count));
}

void launch_adaptive_direction(ConstMatrixView weights, const std::int32_t* rows, ConstMatrixView gradient,
                               float* first_moment, float* second_moment, MatrixView direction,
                               const AdaptiveDirectionParameters& parameters, double* partials, double* result,
                               cudaStream_t stream) {
    const std::int64_t count = gradient.size();
    if (count <= 0) throw std::invalid_argument("launch_adaptive_direction: called without elements");
    const DirectionConstants constants = direction_constants_of(parameters);
    if (parameters.moments) {
        if (rows != nullptr) {
            launch_direction<true, true>(weights, rows, gradient, first_moment, second_moment, direction, constants,
                                         partials, stream);
        } else {
            launch_direction<true, false>(weights, rows, gradient, first_moment, second_moment, direction, constants,
                                          partials, stream);
        }
    } else if (rows != nullptr) {
        launch_direction<false, true>(weights, rows, gradient, nullptr, nullptr, direction, constants, partials,
                                      stream);
    } else {
        launch_direction<false, false>(weights, rows, gradient, nullptr, nullptr, direction, constants, partials,
                                       stream);
    }
    TB_GPU_CHECK_LAUNCH();
    sum_partials_kernel<<<1, direction_threads, 0, stream>>>(partials, grid_stride_blocks(count), result);
    TB_GPU_CHECK_LAUNCH();
}

}  // namespace tb::gpu
