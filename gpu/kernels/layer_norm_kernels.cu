// Layer normalization on the GPU, with the arithmetic of the CPU backend (core/backend/
// cpu_backend_layer_norm.cpp): row statistics summed in double in two passes (the mean, then the squared
// deviations from it), per-element work in float on the float mean and inverse standard deviation that
// forward saves.
//
// A warp owns a row. A GCN's hidden rows are 16 to a few hundred columns, too short to share among a
// block, and a warp's lanes read neighbouring columns, so every load is coalesced; the second and third
// passes over the row hit L1. The warp sums with a butterfly of shuffles, which leaves every lane with
// the same bits (each step adds the same two values on both lanes of a pair).
//
// The parameter gradients are column sums over all rows: blocks of 32 columns by a fixed chunk of rows
// write per-chunk sums, and a second kernel adds the chunks in order, so the result depends on the
// batch's shape only and is the same on every run and every partition of the GPU.

#include <stdexcept>
#include <string>

#include "gpu/gpu_status_check.h"
#include "gpu/kernels/launch_geometry.cuh"
#include "gpu/kernels/layer_norm_kernels.h"

namespace tb::gpu {
namespace {

constexpr int warp_size = 32;
constexpr unsigned int full_warp = 0xffffffffu;
constexpr int rows_per_block = threads_per_block / warp_size;

// The parameter gradients' tiles: 32 columns (a warp's coalesced row segment) by 8 lanes of rows.
constexpr int tile_columns = warp_size;
constexpr int tile_row_lanes = threads_per_block / tile_columns;
// Rows per chunk: enough that a block's launch is amortised over a few thousand loads, few enough that a
// batch of a few thousand nodes still spreads over many SMs.
constexpr std::int64_t chunk_rows = 256;
// The grid's largest x and y extents.
constexpr std::int64_t max_grid_x = 2147483647;
constexpr std::int64_t max_grid_y = 65535;

// ---- kernels ---------------------------------------------------------------------------------------

__device__ inline double warp_sum(double value) {
    for (int offset = warp_size / 2; offset > 0; offset /= 2) value += __shfl_xor_sync(full_warp, value, offset);
    return value;
}

// The warp's row, or -1 past the last row (the whole warp leaves together, so the shuffles stay full).
__device__ inline std::int64_t warp_row(std::int64_t rows) {
    const std::int64_t row = static_cast<std::int64_t>(blockIdx.x) * rows_per_block + threadIdx.x / warp_size;
    return row < rows ? row : -1;
}

__global__ void layer_norm_forward_kernel(const float* in, const float* gain, const float* bias, float epsilon,
                                          float* out, float* mean, float* inverse_std, std::int64_t rows,
                                          std::int64_t cols) {
    const std::int64_t row = warp_row(rows);
    if (row < 0) return;
    const int lane = static_cast<int>(threadIdx.x % warp_size);
    const float* x = in + row * cols;
    float* y = out + row * cols;
    double sum = 0.0;
    for (std::int64_t j = lane; j < cols; j += warp_size) sum += static_cast<double>(x[j]);
    const double row_mean = warp_sum(sum) / static_cast<double>(cols);
    double squares = 0.0;
    for (std::int64_t j = lane; j < cols; j += warp_size) {
        const double deviation = static_cast<double>(x[j]) - row_mean;
        squares += deviation * deviation;
    }
    const double variance = warp_sum(squares) / static_cast<double>(cols);
    const float m = static_cast<float>(row_mean);
    const float s = static_cast<float>(1.0 / sqrt(variance + static_cast<double>(epsilon)));
    if (lane == 0) {
        mean[row] = m;
        inverse_std[row] = s;
    }
    // out may be in: every lane read its elements for the last sum, which the whole warp has passed, and
    // each lane overwrites only the elements it reads here.
    for (std::int64_t j = lane; j < cols; j += warp_size) y[j] = gain[j] * ((x[j] - m) * s) + bias[j];
}

__global__ void layer_norm_input_gradient_kernel(const float* in, const float* mean, const float* inverse_std,
                                                 const float* gain, const float* grad_out, float* grad_in,
                                                 std::int64_t rows, std::int64_t cols) {
    const std::int64_t row = warp_row(rows);
    if (row < 0) return;
    const int lane = static_cast<int>(threadIdx.x % warp_size);
    const float* x = in + row * cols;
    const float* dy = grad_out + row * cols;
    float* dx = grad_in + row * cols;
    const float m = mean[row];
    const float s = inverse_std[row];
    double gradient_sum = 0.0;
    double projection_sum = 0.0;
    for (std::int64_t j = lane; j < cols; j += warp_size) {
        const float scaled = dy[j] * gain[j];
        const float normalized = (x[j] - m) * s;
        gradient_sum += static_cast<double>(scaled);
        projection_sum += static_cast<double>(scaled) * static_cast<double>(normalized);
    }
    const float mean_gradient = static_cast<float>(warp_sum(gradient_sum) / static_cast<double>(cols));
    const float mean_projection = static_cast<float>(warp_sum(projection_sum) / static_cast<double>(cols));
    // grad_in may be grad_out: as in forward, the row's sums have read it all before anything is written.
    for (std::int64_t j = lane; j < cols; j += warp_size) {
        const float scaled = dy[j] * gain[j];
        const float normalized = (x[j] - m) * s;
        dx[j] = s * ((scaled - mean_gradient) - normalized * mean_projection);
    }
}

// Block (chunk, tile): sum over the chunk's rows of dy xhat and of dy for each of the tile's columns, in
// partials[chunk][0][column] and partials[chunk][1][column]. Each lane of rows takes every
// tile_row_lanes-th row; the lanes' sums are then added in lane order.
__global__ void layer_norm_parameter_partials_kernel(const float* in, const float* mean, const float* inverse_std,
                                                     const float* grad_out, std::int64_t rows, std::int64_t cols,
                                                     double* partials) {
    __shared__ double gain_sums[tile_row_lanes][tile_columns];
    __shared__ double bias_sums[tile_row_lanes][tile_columns];
    const int column_lane = static_cast<int>(threadIdx.x % tile_columns);
    const int row_lane = static_cast<int>(threadIdx.x / tile_columns);
    const std::int64_t chunk = blockIdx.x;
    const std::int64_t column = static_cast<std::int64_t>(blockIdx.y) * tile_columns + column_lane;
    const std::int64_t first_row = chunk * chunk_rows;
    const std::int64_t end_row = first_row + chunk_rows < rows ? first_row + chunk_rows : rows;
    double gain_sum = 0.0;
    double bias_sum = 0.0;
    if (column < cols) {
        for (std::int64_t row = first_row + row_lane; row < end_row; row += tile_row_lanes) {
            const float dy = grad_out[row * cols + column];
            const float normalized = (in[row * cols + column] - mean[row]) * inverse_std[row];
            gain_sum += static_cast<double>(dy) * static_cast<double>(normalized);
            bias_sum += static_cast<double>(dy);
        }
    }
    gain_sums[row_lane][column_lane] = gain_sum;
    bias_sums[row_lane][column_lane] = bias_sum;
    __syncthreads();
    if (row_lane != 0 || column >= cols) return;
    double gain_total = 0.0;
    double bias_total = 0.0;
    for (int lane = 0; lane < tile_row_lanes; ++lane) {
        gain_total += gain_sums[lane][column_lane];
        bias_total += bias_sums[lane][column_lane];
    }
    partials[chunk * 2 * cols + column] = gain_total;
    partials[chunk * 2 * cols + cols + column] = bias_total;
}

// One thread per column adds the chunks' sums in chunk order and rounds once; beta 0 writes without
// reading (the gradient may hold NaN from an earlier use of the arena).
__global__ void layer_norm_parameter_totals_kernel(const double* partials, std::int64_t chunks, std::int64_t cols,
                                                   float beta, float* grad_gain, float* grad_bias) {
    const std::int64_t stride = static_cast<std::int64_t>(gridDim.x) * blockDim.x;
    for (std::int64_t column = static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; column < cols;
         column += stride) {
        double gain_total = 0.0;
        double bias_total = 0.0;
        for (std::int64_t chunk = 0; chunk < chunks; ++chunk) {
            gain_total += partials[chunk * 2 * cols + column];
            bias_total += partials[chunk * 2 * cols + cols + column];
        }
        if (beta != 0.0f) {
            gain_total += static_cast<double>(beta) * grad_gain[column];
            bias_total += static_cast<double>(beta) * grad_bias[column];
        }
        grad_gain[column] = static_cast<float>(gain_total);
        grad_bias[column] = static_cast<float>(bias_total);
    }
}

// ---- launch geometry -------------------------------------------------------------------------------

// Blocks of rows_per_block warps, a row each.
unsigned int row_blocks(const char* operation, std::int64_t rows) {
    const std::int64_t blocks = (rows + rows_per_block - 1) / rows_per_block;
    if (blocks > max_grid_x) {
        throw std::invalid_argument(std::string(operation) + ": " + std::to_string(rows) +
                                    " rows need more blocks than a grid holds");
    }
    return static_cast<unsigned int>(blocks);
}

std::int64_t chunk_count(std::int64_t rows) { return (rows + chunk_rows - 1) / chunk_rows; }

dim3 parameter_partials_grid(std::int64_t rows, std::int64_t cols) {
    const std::int64_t tiles = (cols + tile_columns - 1) / tile_columns;
    if (tiles > max_grid_y) {
        throw std::invalid_argument("layer_norm_backward: " + std::to_string(cols) +
                                    " columns need more column tiles than a grid holds");
    }
    return dim3(static_cast<unsigned int>(chunk_count(rows)), static_cast<unsigned int>(tiles));
}

}  // namespace

// ---- launchers -------------------------------------------------------------------------------------

void launch_layer_norm_forward(ConstMatrixView in, const float* gain, const float* bias, float epsilon,
                               MatrixView out, float* mean, float* inverse_std, cudaStream_t stream) {
    if (in.rows == 0) return;
    layer_norm_forward_kernel<<<row_blocks("layer_norm_forward", in.rows), threads_per_block, 0, stream>>>(
        in.data, gain, bias, epsilon, out.data, mean, inverse_std, in.rows, in.cols);
    TB_GPU_CHECK_LAUNCH();
}

std::int64_t layer_norm_partials_size(std::int64_t rows, std::int64_t cols) { return chunk_count(rows) * 2 * cols; }

void launch_layer_norm_backward(ConstMatrixView in, const float* mean, const float* inverse_std, const float* gain,
                                ConstMatrixView grad_out, MatrixView grad_in, float parameter_beta, float* grad_gain,
                                float* grad_bias, double* partials, cudaStream_t stream) {
    const std::int64_t rows = in.rows;
    const std::int64_t cols = in.cols;
    // The parameter gradients first: they read grad_out, which grad_in may overwrite (same stream, so
    // the kernels run in this order).
    if (grad_gain != nullptr && cols > 0) {
        if (rows > 0) {
            layer_norm_parameter_partials_kernel<<<parameter_partials_grid(rows, cols), threads_per_block, 0, stream>>>(
                in.data, mean, inverse_std, grad_out.data, rows, cols, partials);
            TB_GPU_CHECK_LAUNCH();
        }
        layer_norm_parameter_totals_kernel<<<grid_stride_blocks(cols), threads_per_block, 0, stream>>>(
            partials, chunk_count(rows), cols, parameter_beta, grad_gain, grad_bias);
        TB_GPU_CHECK_LAUNCH();
    }
    if (grad_in.data == nullptr || rows == 0) return;
    layer_norm_input_gradient_kernel<<<row_blocks("layer_norm_backward", rows), threads_per_block, 0, stream>>>(
        in.data, mean, inverse_std, gain, grad_out.data, grad_in.data, rows, cols);
    TB_GPU_CHECK_LAUNCH();
}

}  // namespace tb::gpu
