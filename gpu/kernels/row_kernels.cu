// The row copies and the lazy row update. Copies are grid-stride loops over the listed rows' elements;
// the update gives each listed record a block, so that Adam's per-row step count is read by every
// thread before one of them advances it.

#include <algorithm>
#include <cmath>

#include "gpu/gpu_status_check.h"
#include "gpu/kernels/launch_geometry.cuh"
#include "gpu/kernels/row_kernels.h"

namespace tb::gpu {
namespace {

__device__ inline std::int64_t first_index() {
    return static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ inline std::int64_t grid_stride() { return static_cast<std::int64_t>(gridDim.x) * blockDim.x; }

__global__ void gather_rows_kernel(const float* source, std::int64_t source_stride, const std::int32_t* rows,
                                   float* out, std::int64_t out_rows, std::int64_t cols, std::int64_t out_stride) {
    const std::int64_t count = out_rows * cols;
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
        const std::int64_t row = i / cols;
        const std::int64_t col = i % cols;
        out[row * out_stride + col] = source[static_cast<std::int64_t>(rows[row]) * source_stride + col];
    }
}

__global__ void scatter_rows_kernel(const float* in, std::int64_t in_rows, std::int64_t cols, std::int64_t in_stride,
                                    const std::int32_t* rows, float* destination, std::int64_t destination_stride) {
    const std::int64_t count = in_rows * cols;
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
        const std::int64_t row = i / cols;
        const std::int64_t col = i % cols;
        destination[static_cast<std::int64_t>(rows[row]) * destination_stride + col] = in[row * in_stride + col];
    }
}

// The constants of one update, by value in the launch.
struct RowUpdateConstants {
    float learning_rate;
    float epsilon;
    float beta1;
    float beta2;
};

// The formulas of core/backend/row_optimizer.cpp (update_row), element by element; see there for the
// algorithms and their sources. Blocks stride over the listed records, threads over a record's values.
template <RowOptimizer kind>
__global__ void lazy_row_update_kernel(float* records, std::int64_t record_floats, const std::int32_t* rows,
                                       const float* gradient, std::int64_t listed, int dim, RowUpdateConstants c) {
    for (std::int64_t i = blockIdx.x; i < listed; i += gridDim.x) {
        float* values = records + static_cast<std::int64_t>(rows[i]) * record_floats;
        const float* g = gradient + i * dim;
        if constexpr (kind == RowOptimizer::sgd) {
            for (int j = static_cast<int>(threadIdx.x); j < dim; j += static_cast<int>(blockDim.x)) {
                values[j] -= c.learning_rate * g[j];
            }
        } else if constexpr (kind == RowOptimizer::adagrad) {
            float* accumulator = values + dim;
            for (int j = static_cast<int>(threadIdx.x); j < dim; j += static_cast<int>(blockDim.x)) {
                accumulator[j] += g[j] * g[j];
                values[j] -= c.learning_rate * g[j] / (sqrtf(accumulator[j]) + c.epsilon);
            }
        } else {
            float* first = values + dim;
            float* second = values + 2 * dim;
            float* steps = values + 3 * dim;
            const float step = *steps + 1.0f;
            // Every thread has read the old count before the first thread writes the new one.
            __syncthreads();
            if (threadIdx.x == 0) *steps = step;
            const double correction1 = 1.0 - pow(static_cast<double>(c.beta1), static_cast<double>(step));
            const double correction2 = 1.0 - pow(static_cast<double>(c.beta2), static_cast<double>(step));
            for (int j = static_cast<int>(threadIdx.x); j < dim; j += static_cast<int>(blockDim.x)) {
                first[j] = c.beta1 * first[j] + (1.0f - c.beta1) * g[j];
                second[j] = c.beta2 * second[j] + (1.0f - c.beta2) * g[j] * g[j];
                const double m = first[j] / correction1;
                const double v = second[j] / correction2;
                values[j] -= static_cast<float>(static_cast<double>(c.learning_rate) * m /
                                                (sqrt(v) + static_cast<double>(c.epsilon)));
            }
            // The next record of this block reads its own count; nothing it touches is this one's.
        }
    }
}

// A block per record: a warp covers the 8 to 64 values of a typical embedding row, up to 256 threads for
// wider ones.
unsigned int threads_for_record(int dim) {
    const int warps = (dim + 31) / 32;
    return static_cast<unsigned int>(std::min(std::max(warps, 1), threads_per_block / 32) * 32);
}

}  // namespace

void launch_gather_rows(ConstMatrixView source, const std::int32_t* rows, MatrixView out, cudaStream_t stream) {
    if (out.size() == 0) return;
    gather_rows_kernel<<<grid_stride_blocks(out.size()), threads_per_block, 0, stream>>>(
        source.data, source.row_stride(), rows, out.data, out.rows, out.cols, out.row_stride());
    TB_GPU_CHECK_LAUNCH();
}

void launch_scatter_rows(ConstMatrixView in, const std::int32_t* rows, MatrixView destination, cudaStream_t stream) {
    if (in.size() == 0) return;
    scatter_rows_kernel<<<grid_stride_blocks(in.size()), threads_per_block, 0, stream>>>(
        in.data, in.rows, in.cols, in.row_stride(), rows, destination.data, destination.row_stride());
    TB_GPU_CHECK_LAUNCH();
}

void launch_lazy_row_update(MatrixView records, const std::int32_t* rows, ConstMatrixView gradient,
                            const RowOptimizerSettings& settings, cudaStream_t stream) {
    if (gradient.size() == 0) return;
    const auto dim = static_cast<int>(gradient.cols);
    const RowUpdateConstants constants{settings.learning_rate, settings.epsilon, settings.beta1, settings.beta2};
    const auto blocks = static_cast<unsigned int>(std::min<std::int64_t>(gradient.rows, 65535));
    const unsigned int threads = threads_for_record(dim);
    switch (settings.kind) {
        case RowOptimizer::sgd:
            lazy_row_update_kernel<RowOptimizer::sgd><<<blocks, threads, 0, stream>>>(
                records.data, records.cols, rows, gradient.data, gradient.rows, dim, constants);
            break;
        case RowOptimizer::adagrad:
            lazy_row_update_kernel<RowOptimizer::adagrad><<<blocks, threads, 0, stream>>>(
                records.data, records.cols, rows, gradient.data, gradient.rows, dim, constants);
            break;
        case RowOptimizer::adam:
            lazy_row_update_kernel<RowOptimizer::adam><<<blocks, threads, 0, stream>>>(
                records.data, records.cols, rows, gradient.data, gradient.rows, dim, constants);
            break;
    }
    TB_GPU_CHECK_LAUNCH();
}

}  // namespace tb::gpu
