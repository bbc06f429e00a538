// The backend's element-wise, layout and optimizer kernels. All are grid-stride loops over memory-
// bound data: one read and one write per element, nothing to reuse, so the launch geometry only has
// to keep every SM busy.

#include <stdexcept>
#include <string>

#include "core/backend/dropout_mask.h"
#include "gpu/gpu_status_check.h"
#include "gpu/kernels/elementwise_kernels.h"
#include "gpu/kernels/launch_geometry.cuh"

namespace tb::gpu {
namespace {

// ---- kernels ---------------------------------------------------------------------------------------

__device__ inline std::int64_t first_index() {
    return static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ inline std::int64_t grid_stride() { return static_cast<std::int64_t>(gridDim.x) * blockDim.x; }

__global__ void fill_kernel(float* x, std::int64_t count, float value) {
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) x[i] = value;
}

__global__ void scale_kernel(float* x, std::int64_t count, float alpha) {
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) x[i] *= alpha;
}

__global__ void axpby_kernel(float alpha, const float* x, float beta, float* y, std::int64_t count) {
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
        // beta == 0 must not read y: it may hold NaN from an earlier use of the buffer.
        y[i] = beta == 0.0f ? alpha * x[i] : alpha * x[i] + beta * y[i];
    }
}

__global__ void add_row_vector_kernel(float* m, std::int64_t rows, std::int64_t cols, const float* row_vector) {
    const std::int64_t count = rows * cols;
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) m[i] += row_vector[i % cols];
}

// One thread per column walks the rows: neighbouring threads read neighbouring addresses of one row,
// so every load is coalesced, and each column is summed in row order as on the CPU.
__global__ void column_sums_kernel(float alpha, const float* m, std::int64_t rows, std::int64_t cols, float beta,
                                   float* out) {
    for (std::int64_t column = first_index(); column < cols; column += grid_stride()) {
        double total = 0.0;
        for (std::int64_t row = 0; row < rows; ++row) total += static_cast<double>(m[row * cols + column]);
        const double kept = beta == 0.0f ? 0.0 : static_cast<double>(beta) * out[column];
        out[column] = static_cast<float>(static_cast<double>(alpha) * total + kept);
    }
}

// One thread per row walks its columns: a row's sum is taken in column order in double, as on the CPU,
// so both backends round the same sum once. The rows this is for (a batch's embeddings) are short.
__global__ void row_dot_kernel(float alpha, const float* a, const float* b, std::int64_t rows, std::int64_t cols,
                               float beta, float* out) {
    for (std::int64_t row = first_index(); row < rows; row += grid_stride()) {
        double total = 0.0;
        for (std::int64_t j = 0; j < cols; ++j) {
            total += static_cast<double>(a[row * cols + j]) * static_cast<double>(b[row * cols + j]);
        }
        const double kept = beta == 0.0f ? 0.0 : static_cast<double>(beta) * out[row];
        out[row] = static_cast<float>(static_cast<double>(alpha) * total + kept);
    }
}

__global__ void scale_rows_kernel(const float* in, const float* scale, float beta, float* out, std::int64_t rows,
                                  std::int64_t cols) {
    const std::int64_t count = rows * cols;
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
        const float scaled = scale[i / cols] * in[i];
        out[i] = beta == 0.0f ? scaled : scaled + beta * out[i];
    }
}

__global__ void relu_forward_kernel(const float* in, float* out, std::int64_t count) {
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
        // Keep NaN visible, as std::max(x, 0) does on the CPU: fmaxf would turn NaN into 0.
        const float x = in[i];
        out[i] = x < 0.0f ? 0.0f : x;
    }
}

__global__ void relu_backward_kernel(const float* activation, const float* grad_out, float* grad_in,
                                     std::int64_t count) {
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
        grad_in[i] = activation[i] > 0.0f ? grad_out[i] : 0.0f;
    }
}

__global__ void dropout_forward_kernel(const float* in, float* out, float* mask, std::int64_t count, float rate,
                                       float keep_scale, std::uint64_t stream_key, std::uint64_t stream_offset) {
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
        // The same pure function of (seed, position) as the CPU backend: core/backend/dropout_mask.h.
        const float factor = dropout_factor(stream_key, stream_offset + static_cast<std::uint64_t>(i), rate, keep_scale);
        mask[i] = factor;
        out[i] = in[i] * factor;
    }
}

__global__ void multiply_kernel(const float* x, const float* factor, float* out, std::int64_t count) {
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) out[i] = x[i] * factor[i];
}

struct SgdConstants {
    float learning_rate;
    float momentum;
    float weight_decay;
};

// The formula of backend.h, as the CPU's sgd_span writes it (same operation order, so the two agree
// to rounding).
template <bool has_velocity, bool nesterov>
__device__ inline void sgd_element(float& weight, float gradient, float* velocity, const SgdConstants& c) {
    const float decayed = gradient + c.weight_decay * weight;
    if constexpr (has_velocity) {
        const float v = c.momentum * *velocity + decayed;
        *velocity = v;
        weight -= c.learning_rate * (nesterov ? decayed + c.momentum * v : v);
    } else {
        weight -= c.learning_rate * decayed;
    }
}

template <bool has_velocity, bool nesterov>
__global__ void sgd_kernel(float* weights, const float* gradient, float* velocity, std::int64_t count,
                           SgdConstants constants) {
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
        sgd_element<has_velocity, nesterov>(weights[i], gradient[i], has_velocity ? velocity + i : nullptr, constants);
    }
}

// The listed rows are distinct (a batch's touched features), so no two threads update one element.
template <bool has_velocity, bool nesterov>
__global__ void sgd_rows_kernel(float* weights, std::int64_t cols, const std::int32_t* rows, const float* grad_rows,
                                std::int64_t listed_rows, float* velocity, SgdConstants constants) {
    const std::int64_t count = listed_rows * cols;
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
        const std::int64_t listed = i / cols;
        const std::int64_t target = static_cast<std::int64_t>(rows[listed]) * cols + i % cols;
        sgd_element<has_velocity, nesterov>(weights[target], grad_rows[i], has_velocity ? velocity + target : nullptr,
                                            constants);
    }
}

__global__ void narrow_offsets_kernel(const std::int64_t* offsets, std::int32_t* narrowed, std::int64_t count) {
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
        narrowed[i] = static_cast<std::int32_t>(offsets[i]);
    }
}

// Kernel parameters travel in constant memory; 32 pointers and weights are 512 bytes of the 4 KiB
// a launch may pass. An H100 holds at most 16 green-context partitions (8 SMs minimum each).
constexpr int max_weighted_sources = 32;
struct WeightedSources {
    const float* sources[max_weighted_sources];
    double weights[max_weighted_sources];
    int count;
};

// Every source is read before out is written, so out may be one of the sources.
__global__ void weighted_sum_kernel(WeightedSources sources, float* out, std::int64_t count) {
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
        double total = 0.0;
        for (int s = 0; s < sources.count; ++s) {
            total += sources.weights[s] * static_cast<double>(sources.sources[s][i]);
        }
        out[i] = static_cast<float>(total);
    }
}

// ---- launchers -------------------------------------------------------------------------------------

template <bool has_velocity, bool nesterov>
void launch_sgd(float* weights, const float* gradient, float* velocity, std::int64_t count, SgdConstants constants,
                cudaStream_t stream) {
    sgd_kernel<has_velocity, nesterov><<<grid_stride_blocks(count), threads_per_block, 0, stream>>>(
        weights, gradient, velocity, count, constants);
}

template <bool has_velocity, bool nesterov>
void launch_sgd_rows(MatrixView weights, const std::int32_t* rows, ConstMatrixView grad_rows, float* velocity,
                     SgdConstants constants, cudaStream_t stream) {
    sgd_rows_kernel<has_velocity, nesterov><<<grid_stride_blocks(grad_rows.size()), threads_per_block, 0, stream>>>(
        weights.data, weights.cols, rows, grad_rows.data, grad_rows.rows, velocity, constants);
}

SgdConstants constants_of(const SgdHyperparameters& hyper) {
    return {hyper.learning_rate, hyper.momentum, hyper.weight_decay};
}

}  // namespace

void launch_fill(float* x, std::int64_t count, float value, cudaStream_t stream) {
    if (count == 0) return;
    fill_kernel<<<grid_stride_blocks(count), threads_per_block, 0, stream>>>(x, count, value);
    TB_GPU_CHECK_LAUNCH();
}

void launch_scale(float* x, std::int64_t count, float alpha, cudaStream_t stream) {
    if (count == 0) return;
    if (alpha == 0.0f) {
        launch_fill(x, count, 0.0f, stream);  // the BLAS reading: scaling by 0 clears NaN too
        return;
    }
    scale_kernel<<<grid_stride_blocks(count), threads_per_block, 0, stream>>>(x, count, alpha);
    TB_GPU_CHECK_LAUNCH();
}

void launch_axpby(float alpha, const float* x, float beta, float* y, std::int64_t count, cudaStream_t stream) {
    if (count == 0) return;
    axpby_kernel<<<grid_stride_blocks(count), threads_per_block, 0, stream>>>(alpha, x, beta, y, count);
    TB_GPU_CHECK_LAUNCH();
}

void launch_add_row_vector(MatrixView m, const float* row_vector, cudaStream_t stream) {
    if (m.size() == 0) return;
    add_row_vector_kernel<<<grid_stride_blocks(m.size()), threads_per_block, 0, stream>>>(m.data, m.rows, m.cols,
                                                                                         row_vector);
    TB_GPU_CHECK_LAUNCH();
}

void launch_column_sums(float alpha, ConstMatrixView m, float beta, float* out, cudaStream_t stream) {
    if (m.cols == 0) return;
    column_sums_kernel<<<grid_stride_blocks(m.cols), threads_per_block, 0, stream>>>(alpha, m.data, m.rows, m.cols,
                                                                                    beta, out);
    TB_GPU_CHECK_LAUNCH();
}

void launch_row_dot(float alpha, ConstMatrixView a, ConstMatrixView b, float beta, float* out, cudaStream_t stream) {
    if (a.rows == 0) return;
    row_dot_kernel<<<grid_stride_blocks(a.rows), threads_per_block, 0, stream>>>(alpha, a.data, b.data, a.rows, a.cols,
                                                                                beta, out);
    TB_GPU_CHECK_LAUNCH();
}

void launch_scale_rows(ConstMatrixView in, const float* scale, float beta, MatrixView out, cudaStream_t stream) {
    if (in.size() == 0) return;
    scale_rows_kernel<<<grid_stride_blocks(in.size()), threads_per_block, 0, stream>>>(in.data, scale, beta, out.data,
                                                                                      in.rows, in.cols);
    TB_GPU_CHECK_LAUNCH();
}

void launch_relu_forward(const float* in, float* out, std::int64_t count, cudaStream_t stream) {
    if (count == 0) return;
    relu_forward_kernel<<<grid_stride_blocks(count), threads_per_block, 0, stream>>>(in, out, count);
    TB_GPU_CHECK_LAUNCH();
}

void launch_relu_backward(const float* activation, const float* grad_out, float* grad_in, std::int64_t count,
                          cudaStream_t stream) {
    if (count == 0) return;
    relu_backward_kernel<<<grid_stride_blocks(count), threads_per_block, 0, stream>>>(activation, grad_out, grad_in,
                                                                                     count);
    TB_GPU_CHECK_LAUNCH();
}

void launch_dropout_forward(const float* in, float* out, float* mask, std::int64_t count, float rate,
                            std::uint64_t seed, std::uint64_t stream_offset, cudaStream_t stream) {
    if (count == 0) return;
    dropout_forward_kernel<<<grid_stride_blocks(count), threads_per_block, 0, stream>>>(
        in, out, mask, count, rate, 1.0f / (1.0f - rate), dropout_stream_key(seed), stream_offset);
    TB_GPU_CHECK_LAUNCH();
}

void launch_multiply(const float* x, const float* factor, float* out, std::int64_t count, cudaStream_t stream) {
    if (count == 0) return;
    multiply_kernel<<<grid_stride_blocks(count), threads_per_block, 0, stream>>>(x, factor, out, count);
    TB_GPU_CHECK_LAUNCH();
}

void launch_sgd_update(float* weights, const float* gradient, float* velocity, std::int64_t count,
                       const SgdHyperparameters& hyper, cudaStream_t stream) {
    if (count == 0) return;
    const SgdConstants constants = constants_of(hyper);
    if (velocity == nullptr) {
        launch_sgd<false, false>(weights, gradient, nullptr, count, constants, stream);
    } else if (hyper.nesterov) {
        launch_sgd<true, true>(weights, gradient, velocity, count, constants, stream);
    } else {
        launch_sgd<true, false>(weights, gradient, velocity, count, constants, stream);
    }
    TB_GPU_CHECK_LAUNCH();
}

void launch_sgd_update_rows(MatrixView weights, const std::int32_t* rows, ConstMatrixView grad_rows, float* velocity,
                            const SgdHyperparameters& hyper, cudaStream_t stream) {
    if (grad_rows.size() == 0) return;
    const SgdConstants constants = constants_of(hyper);
    if (velocity == nullptr) {
        launch_sgd_rows<false, false>(weights, rows, grad_rows, nullptr, constants, stream);
    } else if (hyper.nesterov) {
        launch_sgd_rows<true, true>(weights, rows, grad_rows, velocity, constants, stream);
    } else {
        launch_sgd_rows<true, false>(weights, rows, grad_rows, velocity, constants, stream);
    }
    TB_GPU_CHECK_LAUNCH();
}

void launch_narrow_offsets(const std::int64_t* offsets, std::int32_t* narrowed, std::int64_t count,
                           cudaStream_t stream) {
    if (count == 0) return;
    narrow_offsets_kernel<<<grid_stride_blocks(count), threads_per_block, 0, stream>>>(offsets, narrowed, count);
    TB_GPU_CHECK_LAUNCH();
}

void launch_weighted_sum(const float* const* sources, const double* weights, int source_count, float* out,
                         std::int64_t count, cudaStream_t stream) {
    if (source_count < 1 || source_count > max_weighted_sources) {
        throw std::invalid_argument("weighted_sum: " + std::to_string(source_count) + " sources; between 1 and " +
                                    std::to_string(max_weighted_sources) + " can be merged in one pass");
    }
    if (count == 0) return;
    WeightedSources packed{};
    for (int s = 0; s < source_count; ++s) {
        packed.sources[s] = sources[s];
        packed.weights[s] = weights[s];
    }
    packed.count = source_count;
    weighted_sum_kernel<<<grid_stride_blocks(count), threads_per_block, 0, stream>>>(packed, out, count);
    TB_GPU_CHECK_LAUNCH();
}

}  // namespace tb::gpu
