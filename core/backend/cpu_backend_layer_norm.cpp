// CpuBackend's layer normalization (backend.h, layer_norm_forward and layer_norm_backward). A row is
// short next to the batch (16 to a few hundred columns in a GCN's hidden layers) and stays in L1 from
// its statistics to its outputs, so the team splits the rows, and each row is read once from memory.
//
// The statistics are sums in double, taken in two passes over the cached row: the mean first, then the
// squared deviations from it. A one-pass sum of squares would subtract mean^2 from E[x^2] and lose
// mean^2 / variance of the variance's bits; a float sum would lose up to a rounding per column. Either
// error reaches every output of the row through the inverse standard deviation. The per-element work
// is float, on the float mean and inverse standard deviation that forward saves, so that backward
// normalizes with exactly the values forward used.

#include <algorithm>
#include <cmath>

#include "core/backend/cpu_backend.h"
#include "core/backend/operation_shape_checks.h"

namespace tb {
namespace {

// Backward takes the rows in chunks of this many, the chunks in parallel; the parameter gradients sum
// each column over a chunk, and then the chunk sums in chunk order: the grouping depends on the batch's
// size only, never on the team. 512 rows of a 128-column layer are 256 KiB of input and gradient, a
// core's L2.
constexpr std::int64_t backward_chunk_rows = 512;

struct RowStatistics {
    float mean = 0.0f;
    float inverse_std = 0.0f;
};

RowStatistics row_statistics(const float* x, std::int64_t cols, float epsilon) {
    double sum = 0.0;
#pragma omp simd reduction(+ : sum)
    for (std::int64_t j = 0; j < cols; ++j) sum += static_cast<double>(x[j]);
    const double mean = sum / static_cast<double>(cols);
    double squares = 0.0;
#pragma omp simd reduction(+ : squares)
    for (std::int64_t j = 0; j < cols; ++j) {
        const double deviation = static_cast<double>(x[j]) - mean;
        squares += deviation * deviation;
    }
    const double variance = squares / static_cast<double>(cols);
    return {static_cast<float>(mean), static_cast<float>(1.0 / std::sqrt(variance + static_cast<double>(epsilon)))};
}

// Rows [first_row, end_row) of layer_norm_backward. Each row is read from memory once: the first pass
// takes its two sums and, when the parameter gradients are wanted, adds dy xhat and dy to the chunk's
// column sums (gain_sums and bias_sums, cols doubles each, summed row after row); the second pass, over
// the row in L1, writes the input gradient. grad_in may be grad_out: a row is written only after its
// first pass has read all of it.
template <bool parameter_gradients, bool input_gradient>
void backward_chunk(ConstMatrixView in, const float* mean, const float* inverse_std, const float* gain,
                    ConstMatrixView grad_out, MatrixView grad_in, std::int64_t first_row, std::int64_t end_row,
                    double* __restrict gain_sums, double* __restrict bias_sums) {
    const std::int64_t cols = in.cols;
    if constexpr (parameter_gradients) {
        std::fill(gain_sums, gain_sums + cols, 0.0);
        std::fill(bias_sums, bias_sums + cols, 0.0);
    }
    for (std::int64_t row = first_row; row < end_row; ++row) {
        const float* x = in.data + row * cols;
        const float* dy = grad_out.data + row * cols;
        const float m = mean[row];
        const float s = inverse_std[row];
        double gradient_sum = 0.0;
        double projection_sum = 0.0;
#pragma omp simd reduction(+ : gradient_sum, projection_sum)
        for (std::int64_t j = 0; j < cols; ++j) {
            const float normalized = (x[j] - m) * s;
            if constexpr (parameter_gradients) {
                gain_sums[j] += static_cast<double>(dy[j]) * static_cast<double>(normalized);
                bias_sums[j] += static_cast<double>(dy[j]);
            }
            if constexpr (input_gradient) {
                const float scaled = dy[j] * gain[j];
                gradient_sum += static_cast<double>(scaled);
                projection_sum += static_cast<double>(scaled) * static_cast<double>(normalized);
            }
        }
        if constexpr (input_gradient) {
            float* dx = grad_in.data + row * cols;
            const float mean_gradient = static_cast<float>(gradient_sum / static_cast<double>(cols));
            const float mean_projection = static_cast<float>(projection_sum / static_cast<double>(cols));
#pragma omp simd
            for (std::int64_t j = 0; j < cols; ++j) {
                const float scaled = dy[j] * gain[j];
                const float normalized = (x[j] - m) * s;
                dx[j] = s * ((scaled - mean_gradient) - normalized * mean_projection);
            }
        }
    }
}

using BackwardChunk = void (*)(ConstMatrixView, const float*, const float*, const float*, ConstMatrixView, MatrixView,
                               std::int64_t, std::int64_t, double*, double*);

BackwardChunk choose_backward_chunk(bool parameter_gradients, bool input_gradient) {
    if (parameter_gradients) return input_gradient ? backward_chunk<true, true> : backward_chunk<true, false>;
    return backward_chunk<false, true>;
}

// out = total + beta out, rounded once; beta 0 writes without reading.
float combined(double total, float beta, float previous) {
    return static_cast<float>(beta == 0.0f ? total : total + static_cast<double>(beta) * previous);
}

}  // namespace

void CpuBackend::layer_norm_forward(ConstMatrixView in, const float* gain, const float* bias, float epsilon,
                                    MatrixView out, float* mean, float* inverse_std) {
    check_layer_norm_forward_arguments(in, gain, bias, epsilon, out, mean, inverse_std);
    const std::int64_t cols = in.cols;
    const int threads = threads_for(in.size());
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t row = 0; row < in.rows; ++row) {
        // No __restrict: out may be in itself. Each element is read before its own output is written.
        const float* x = in.data + row * cols;
        float* y = out.data + row * cols;
        const RowStatistics statistics = row_statistics(x, cols, epsilon);
        mean[row] = statistics.mean;
        inverse_std[row] = statistics.inverse_std;
        const float m = statistics.mean;
        const float s = statistics.inverse_std;
#pragma omp simd
        for (std::int64_t j = 0; j < cols; ++j) y[j] = gain[j] * ((x[j] - m) * s) + bias[j];
    }
}

void CpuBackend::layer_norm_backward(ConstMatrixView in, const float* mean, const float* inverse_std,
                                     const float* gain, ConstMatrixView grad_out, MatrixView grad_in,
                                     float parameter_beta, float* grad_gain, float* grad_bias) {
    check_layer_norm_backward_arguments(in, mean, inverse_std, gain, grad_out, grad_in, grad_gain, grad_bias);
    const std::int64_t rows = in.rows;
    const std::int64_t cols = in.cols;
    const bool parameter_gradients = grad_gain != nullptr && cols > 0;
    const bool input_gradient = grad_in.data != nullptr && rows > 0;
    if (!parameter_gradients && !input_gradient) return;
    const std::int64_t chunks = (rows + backward_chunk_rows - 1) / backward_chunk_rows;
    double* partials = nullptr;
    if (parameter_gradients) {
        // Kept from step to step: workspace, whatever the caller's category.
        const MemoryCategoryScope category(MemoryCategory::workspace);
        ensure_capacity(layer_norm_partials_, *this, std::max<std::int64_t>(chunks, 1) * 2 * cols,
                        "layer_norm_backward's column sums");
        partials = layer_norm_partials_.data();
    }
    const BackwardChunk chunk_backward = choose_backward_chunk(parameter_gradients, input_gradient);
    const int threads = static_cast<int>(std::clamp<std::int64_t>(chunks, 1, threads_for(in.size())));
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t chunk = 0; chunk < chunks; ++chunk) {
        const std::int64_t first_row = chunk * backward_chunk_rows;
        const std::int64_t end_row = std::min(rows, first_row + backward_chunk_rows);
        double* sums = parameter_gradients ? partials + chunk * 2 * cols : nullptr;
        chunk_backward(in, mean, inverse_std, gain, grad_out, grad_in, first_row, end_row, sums,
                       parameter_gradients ? sums + cols : nullptr);
    }
    if (!parameter_gradients) return;
    for (std::int64_t j = 0; j < cols; ++j) {
        double gain_total = 0.0;
        double bias_total = 0.0;
        for (std::int64_t chunk = 0; chunk < chunks; ++chunk) {
            gain_total += partials[chunk * 2 * cols + j];
            bias_total += partials[chunk * 2 * cols + cols + j];
        }
        grad_gain[j] = combined(gain_total, parameter_beta, grad_gain[j]);
        grad_bias[j] = combined(bias_total, parameter_beta, grad_bias[j]);
    }
}

}  // namespace tb
