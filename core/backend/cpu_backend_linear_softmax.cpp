// CpuBackend::linear_softmax_cross_entropy. On the Delicious-200K shape the output layer's logits are
// 256 x 205,443 floats (210 MB) and the composed operations stream them through memory seven times: the
// GEMM's clearing of its output, the GEMM, the bias, the loss, the two gradient GEMMs and the bias
// gradient. Here the output columns are cut into blocks small enough for a core's L2 cache, and two
// passes over the blocks touch each logit in memory twice:
//   1. per block: logits = bias, += input W_block (GEMM), each row's block maximum m and
//      sum of exp(logit - m), with the exponentials written over the logits;
//   (each row's maximum M and normalizer S from its blocks' m and sums, and its loss)
//   2. per block: G = exp(logit - m) * grad_scale exp(m - M) / S - target, then while G is in cache
//      the weight-gradient block input^T G (GEMM), the bias-gradient block, and G W_block^T added to
//      the input gradient.
// Keeping the exponentials from pass 1 means each logit's exp is taken once. The scratch holds the
// blocks one after the other (block-major), so each block is one contiguous stretch of memory.
//
// Every block and every slab of blocks is computed the same way whatever the team size, and the pieces
// are combined in a fixed order, so a run gives the same bits on 1 or 16 threads (test_cpu_thread_counts).

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>

#include "core/backend/blas_thread_limit.h"
#include "core/backend/cpu_backend.h"
#include "core/backend/cpu_vectorizable_math.h"
#include "core/backend/operation_shape_checks.h"

namespace tb {
namespace {

// Output columns per block. With a batch of 256 and 128 inputs a block's logits take 512 KB and its
// slices of the weights and of their gradient 256 KB each, well inside a 2 MB L2 cache. Measured on the
// Delicious-200K shape: 256 to 1024 columns within 5% of each other, 2048 and wider slower.
constexpr std::int64_t block_columns = 512;
// Narrower layers have too few blocks to share among a team, and their logits fit in cache anyway: the
// composed operations are as fast there. Decided by the shape alone, so results never depend on threads.
constexpr std::int64_t fused_minimum_outputs = 8 * block_columns;
// The input gradient sums G_block W_block^T over all blocks. Consecutive blocks form this many slabs,
// each with its own partial sum, and the partials are added in slab order.
constexpr std::int64_t input_gradient_slabs = 32;

// BLAS takes dimensions as int; shapes beyond that are left to the composed path, which reports them.
bool fits_blas(std::int64_t value) { return value <= std::int64_t{INT32_MAX}; }

// The label entries of `row` (columns sorted) that fall in [first_column, end_column).
struct LabelRange {
    std::int64_t begin;
    std::int64_t end;
};

LabelRange labels_in_columns(const CsrView& labels, std::int64_t row, std::int64_t first_column,
                             std::int64_t end_column) {
    const std::int32_t* columns = labels.column_indices;
    const std::int32_t* row_begin = columns + labels.row_offsets[row];
    const std::int32_t* row_end = columns + labels.row_offsets[row + 1];
    const std::int32_t* begin = std::lower_bound(row_begin, row_end, static_cast<std::int32_t>(first_column));
    const std::int32_t* end = std::lower_bound(begin, row_end, static_cast<std::int32_t>(end_column));
    return {begin - columns, end - columns};
}

// x[i] = exp(x[i] - shift) for a row of a block whose maximum is `shift`; returns their sum.
float exponentiate_and_sum(float* x, std::int64_t count, float shift) {
#pragma omp simd
    for (std::int64_t i = 0; i < count; ++i) x[i] = exp_of_nonpositive(x[i] - shift);
    return lane_sum(x, count);
}

}  // namespace

double CpuBackend::linear_softmax_cross_entropy(const LinearSoftmaxStep& step) {
    check_linear_softmax_arguments(step);
    const std::int64_t rows = step.input.rows;
    const std::int64_t in = step.input.cols;
    const std::int64_t outputs = step.weight.cols;
    if (outputs < fused_minimum_outputs || rows == 0 || in == 0 || !fits_blas(rows) || !fits_blas(outputs) ||
        !fits_blas(in)) {
        return Backend::linear_softmax_cross_entropy(step);
    }
    const std::int64_t blocks = (outputs + block_columns - 1) / block_columns;
    const std::int64_t slabs = std::min(blocks, input_gradient_slabs);
    const bool with_input_gradient = step.grad_input.data != nullptr;
    const CsrView& labels = step.labels;
    const float grad_scale = step.grad_scale;

    LinearSoftmaxScratch& scratch = linear_softmax_scratch_;
    scratch.block_maximum.resize(static_cast<std::size_t>(blocks * rows));
    scratch.block_sum.resize(static_cast<std::size_t>(blocks * rows));
    scratch.label_logits.resize(static_cast<std::size_t>(labels.nnz));
    scratch.row_maximum.resize(static_cast<std::size_t>(rows));
    scratch.row_normalizer.resize(static_cast<std::size_t>(rows));
    scratch.row_loss.resize(static_cast<std::size_t>(rows));
    if (with_input_gradient && slabs > 1) {
        scratch.input_gradient_partials.resize(static_cast<std::size_t>(slabs * rows * in));
    }

    const int threads = std::min<std::int64_t>(threads_for(rows * outputs), blocks);
    // The team's threads each run their blocks' GEMMs: OpenBLAS must not start a team of its own inside.
    std::optional<BlasThreadLimit> single_threaded_blas;
    if (threads > 1) single_threaded_blas.emplace(1);
    const int blas_rows = static_cast<int>(rows);
    const int blas_in = static_cast<int>(in);
    const int blas_outputs = static_cast<int>(outputs);
    auto block_logits = [&](std::int64_t block) { return step.scratch.data + block * block_columns * rows; };

    // Pass 1: logits, block maxima and exponential sums, the label logits for the loss.
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(dynamic, 1)
    for (std::int64_t block = 0; block < blocks; ++block) {
        const std::int64_t first = block * block_columns;
        const std::int64_t width = std::min(block_columns, outputs - first);
        float* logits = block_logits(block);
        for (std::int64_t row = 0; row < rows; ++row) {
            std::memcpy(logits + row * width, step.bias + first, static_cast<std::size_t>(width) * sizeof(float));
        }
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blas_rows, static_cast<int>(width), blas_in, 1.0f,
                    step.input.data, blas_in, step.weight.data + first, blas_outputs, 1.0f, logits,
                    static_cast<int>(width));
        for (std::int64_t row = 0; row < rows; ++row) {
            float* x = logits + row * width;
            const LabelRange range = labels_in_columns(labels, row, first, first + width);
            for (std::int64_t p = range.begin; p < range.end; ++p) {
                scratch.label_logits[static_cast<std::size_t>(p)] = x[labels.column_indices[p] - first];
            }
            const float maximum = lane_maximum(x, width);
            const std::size_t index = static_cast<std::size_t>(block * rows + row);
            scratch.block_maximum[index] = maximum;
            scratch.block_sum[index] = exponentiate_and_sum(x, width, maximum);
        }
    }

    // Each row's maximum, normalizer and loss: -mean over labels of log softmax = M + log S - label mean.
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t row = 0; row < rows; ++row) {
        float maximum = -std::numeric_limits<float>::infinity();
        for (std::int64_t block = 0; block < blocks; ++block) {
            maximum = std::max(maximum, scratch.block_maximum[static_cast<std::size_t>(block * rows + row)]);
        }
        double normalizer = 0.0;
        for (std::int64_t block = 0; block < blocks; ++block) {
            const std::size_t index = static_cast<std::size_t>(block * rows + row);
            normalizer += static_cast<double>(scratch.block_sum[index]) *
                          std::exp(static_cast<double>(scratch.block_maximum[index]) - static_cast<double>(maximum));
        }
        scratch.row_maximum[static_cast<std::size_t>(row)] = maximum;
        scratch.row_normalizer[static_cast<std::size_t>(row)] = normalizer;
        const std::int64_t label_count = labels.row_offsets[row + 1] - labels.row_offsets[row];
        double loss = 0.0;
        if (label_count > 0) {
            double label_sum = 0.0;
            for (std::int64_t p = labels.row_offsets[row]; p < labels.row_offsets[row + 1]; ++p) {
                label_sum += static_cast<double>(scratch.label_logits[static_cast<std::size_t>(p)]);
            }
            loss = static_cast<double>(maximum) + std::log(normalizer) - label_sum / static_cast<double>(label_count);
        }
        scratch.row_loss[static_cast<std::size_t>(row)] = loss;
    }

    // Pass 2: G per block, and from it the gradients while the block is in cache.
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(dynamic, 1)
    for (std::int64_t slab = 0; slab < slabs; ++slab) {
        float* input_gradient = nullptr;
        if (with_input_gradient) {
            input_gradient = slabs == 1 ? step.grad_input.data : scratch.input_gradient_partials.data() + slab * rows * in;
        }
        const std::int64_t first_block = slab * blocks / slabs;
        const std::int64_t end_block = (slab + 1) * blocks / slabs;
        for (std::int64_t block = first_block; block < end_block; ++block) {
            const std::int64_t first = block * block_columns;
            const std::int64_t width = std::min(block_columns, outputs - first);
            float* g = block_logits(block);
            for (std::int64_t row = 0; row < rows; ++row) {
                float* x = g + row * width;
                const std::int64_t label_count = labels.row_offsets[row + 1] - labels.row_offsets[row];
                if (label_count == 0) {  // no loss, a zero gradient
                    std::fill(x, x + width, 0.0f);
                    continue;
                }
                const std::size_t index = static_cast<std::size_t>(block * rows + row);
                const double shift = static_cast<double>(scratch.block_maximum[index]) -
                                     static_cast<double>(scratch.row_maximum[static_cast<std::size_t>(row)]);
                const float factor = static_cast<float>(static_cast<double>(grad_scale) * std::exp(shift) /
                                                        scratch.row_normalizer[static_cast<std::size_t>(row)]);
#pragma omp simd
                for (std::int64_t j = 0; j < width; ++j) x[j] *= factor;
                const float target = static_cast<float>(static_cast<double>(grad_scale) / static_cast<double>(label_count));
                const LabelRange range = labels_in_columns(labels, row, first, first + width);
                for (std::int64_t p = range.begin; p < range.end; ++p) x[labels.column_indices[p] - first] -= target;
            }
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, blas_in, static_cast<int>(width), blas_rows, 1.0f,
                        step.input.data, blas_in, g, static_cast<int>(width), 0.0f, step.grad_weight.data + first,
                        blas_outputs);
            float* bias_gradient = step.grad_bias + first;
            std::fill(bias_gradient, bias_gradient + width, 0.0f);
            for (std::int64_t row = 0; row < rows; ++row) {
                const float* x = g + row * width;
#pragma omp simd
                for (std::int64_t j = 0; j < width; ++j) bias_gradient[j] += x[j];
            }
            if (input_gradient != nullptr) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blas_rows, blas_in, static_cast<int>(width), 1.0f,
                            g, static_cast<int>(width), step.weight.data + first, blas_outputs,
                            block == first_block ? 0.0f : 1.0f, input_gradient, blas_in);
            }
        }
    }

    if (with_input_gradient && slabs > 1) {
        const float* partials = scratch.input_gradient_partials.data();
        const std::int64_t count = rows * in;
        const int sum_threads = threads_for(count * slabs);
#pragma omp parallel for num_threads(sum_threads) if (parallel : sum_threads > 1) schedule(static)
        for (std::int64_t i = 0; i < count; ++i) {
            float total = partials[i];
            for (std::int64_t slab = 1; slab < slabs; ++slab) total += partials[slab * count + i];
            step.grad_input.data[i] = total;
        }
    }

    double loss = 0.0;
    for (const double row_loss : scratch.row_loss) loss += row_loss;
    return loss;
}

}  // namespace tb
