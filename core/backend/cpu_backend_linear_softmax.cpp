// CpuBackend::linear_softmax_cross_entropy. On the Delicious-200K shape the output layer's logits are
// 256 x 205,443 floats (210 MB), and the composed operations stream them through memory seven times: the
// GEMM's clearing of its output, the GEMM, the bias, the loss, the two gradient GEMMs and the bias
// gradient. Here the output columns are cut into blocks small enough for a core's L2 cache, consecutive
// blocks are grouped into slabs, and each thread works a slab, block by block, in a buffer of its own
// that stays in L2:
//   1. per block: logits = bias + input W_block (GEMM); each row's exponentials exp(logit - r) and
//      their sum, with r the largest logit the row has met so far in the slab (its reference); the
//      exponentials go to the scratch with streaming stores; and, while the block's weights are still
//      in cache, E W_block^T added to the slab's share of the input gradient (rescaled whenever a row's
//      reference rises, as in an online softmax).
//   (each row's maximum M, normalizer S and loss from its blocks' references and sums; the input
//    gradient from the slabs' shares, grad_scale exp(r - M) / S times each, less the targets' part)
//   2. per block: G = exp(logit - r) * grad_scale exp(r - M) / S - target, read back from the scratch
//      into the buffer, then while it is in cache the weight-gradient block input^T G (GEMM, into the
//      buffer and from there to the gradient with streaming stores) and the bias-gradient block.
// So the logits cross the memory bus twice, once out and once back, the weights are read once, no
// output is read from memory before it is written (a streaming store skips the read a cached store
// makes), and each exp is taken once. On the Delicious-200K shape the output layer takes about 180 ms
// on two cores where the composed operations take about 235 (bench/RESULTS.md).
//
// Every block and every slab is computed the same way whatever the team size, and the pieces are
// combined in a fixed order, so a run gives the same bits on 1 or 16 threads (test_cpu_thread_counts).

#include <cblas.h>
#include <omp.h>

#if defined(__SSE__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "core/backend/blas_thread_limit.h"
#include "core/backend/cpu_backend.h"
#include "core/backend/cpu_vectorizable_math.h"
#include "core/backend/operation_shape_checks.h"

namespace tb {
namespace {

// A block's logits fill this many floats (512 KB): with its slices of the weights and of their gradient
// (128 inputs: 256 KB each at 512 columns) it stays inside a 2 MB L2 cache. The block width follows from
// the batch, never from the team size, so results do not depend on the threads either.
constexpr std::int64_t block_floats = std::int64_t{1} << 17;
// In a prototype of the two passes on the Delicious-200K shape, 256 to 768 columns ran within 5% of each
// other and 2048 or more about 10% slower.
constexpr std::int64_t widest_block = 512;
constexpr std::int64_t narrowest_block = 64;
// Narrower layers' logits fit in cache anyway, and the composed operations are as fast there.
constexpr std::int64_t fused_minimum_outputs = 4096;
// Consecutive blocks form slabs, the unit a thread takes. The input gradient is gathered per slab and
// the slabs' shares are added in slab order, so their number follows from the shape, never from the
// team size. Many more slabs than threads keep the team evenly loaded: 64 of them, unless their shares
// (batch x in floats each, 128 KB at 256 x 128) would pass 32 MB together, as a batch of thousands would.
constexpr std::int64_t most_slabs = 64;
constexpr std::int64_t fewest_slabs = 8;
constexpr std::int64_t slab_share_floats = std::int64_t{1} << 23;

std::int64_t slab_count_for(std::int64_t rows, std::int64_t in, std::int64_t blocks) {
    const std::int64_t affordable = slab_share_floats / std::max<std::int64_t>(rows * in, 1);
    return std::min(blocks, std::clamp(affordable, fewest_slabs, most_slabs));
}

constexpr std::int64_t cache_line_floats = 16;

// BLAS takes dimensions as int; shapes beyond that are left to the composed path, which reports them.
bool fits_blas(std::int64_t value) { return value <= std::int64_t{INT32_MAX}; }

std::int64_t block_width_for(std::int64_t rows) {
    const std::int64_t width = block_floats / std::max<std::int64_t>(rows, 1) / 16 * 16;
    return std::clamp(width, narrowest_block, widest_block);
}

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

// x[i] = exp(x[i] - shift) for a row of a block, with shift at least its largest value; returns their sum.
float exponentiate_and_sum(float* x, std::int64_t count, float shift) {
#pragma omp simd
    for (std::int64_t i = 0; i < count; ++i) x[i] = exp_of_nonpositive(x[i] - shift);
    return lane_sum(x, count);
}

// Copies count floats to `destination` with streaming stores where the processor has them: the
// destination is not read into the cache first, and does not push the block buffers out of it.
void stream_copy(float* destination, const float* source, std::int64_t count) {
    // Streaming stores need an aligned destination: plain stores up to the first 64-byte boundary.
    const std::uintptr_t misalignment = reinterpret_cast<std::uintptr_t>(destination) % 64;
    std::int64_t i = 0;
    if (misalignment != 0) {
        i = std::min<std::int64_t>(count, static_cast<std::int64_t>((64 - misalignment) / sizeof(float)));
        if (misalignment % sizeof(float) != 0) i = count;  // not even float-aligned: no streaming at all
        std::memcpy(destination, source, static_cast<std::size_t>(i) * sizeof(float));
    }
#if defined(__AVX512F__)
    for (; i + 16 <= count; i += 16) _mm512_stream_ps(destination + i, _mm512_loadu_ps(source + i));
#elif defined(__AVX__)
    for (; i + 8 <= count; i += 8) _mm256_stream_ps(destination + i, _mm256_loadu_ps(source + i));
#elif defined(__SSE__)
    for (; i + 4 <= count; i += 4) _mm_stream_ps(destination + i, _mm_loadu_ps(source + i));
#endif
    std::memcpy(destination + i, source + i, static_cast<std::size_t>(count - i) * sizeof(float));
}

// Streaming stores are weakly ordered: a thread fences after its last ones, before the team's barrier
// lets another thread read them.
void fence_streaming_stores() {
#if defined(__SSE__)
    _mm_sfence();
#endif
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
    const std::int64_t block_width = block_width_for(rows);
    const std::int64_t blocks = (outputs + block_width - 1) / block_width;
    const std::int64_t slabs = slab_count_for(rows, in, blocks);
    const bool with_input_gradient = step.grad_input.data != nullptr;
    const CsrView& labels = step.labels;
    // The labels' positions are counted from the first row's: a view may start inside a larger CSR.
    const std::int64_t label_base = labels.row_offsets[0];
    const std::int64_t label_count_in_batch = labels.row_offsets[rows] - label_base;
    const float grad_scale = step.grad_scale;
    const int threads = static_cast<int>(std::min<std::int64_t>(threads_for(rows * outputs), slabs));

    LinearSoftmaxScratch& scratch = linear_softmax_scratch_;
    ensure_capacity(scratch.block_reference, *this, blocks * rows, "the output layer's block statistics");
    ensure_capacity(scratch.block_sum, *this, blocks * rows, "the output layer's block statistics");
    scratch.label_logits.resize(static_cast<std::size_t>(label_count_in_batch));
    scratch.row_maximum.resize(static_cast<std::size_t>(rows));
    scratch.row_normalizer.resize(static_cast<std::size_t>(rows));
    scratch.row_loss.resize(static_cast<std::size_t>(rows));
    float* input_gradient_partials = nullptr;
    float* label_weight_columns = nullptr;
    if (with_input_gradient) {
        scratch.slab_reference.resize(static_cast<std::size_t>(slabs * rows));
        ensure_capacity(scratch.input_gradient_partials, *this, slabs * rows * in,
                        "the output layer's input-gradient shares");
        ensure_capacity(scratch.label_weight_columns, *this, label_count_in_batch * in,
                        "the output layer's label weight columns");
        input_gradient_partials = scratch.input_gradient_partials.data();
        label_weight_columns = scratch.label_weight_columns.data();
    }
    float* const block_reference = scratch.block_reference.data();
    float* const block_sum = scratch.block_sum.data();
    // A thread's buffer: one block of logits (rows x width), then one block of the weight gradient
    // (in x width). Each starts on a cache line, as GEMM operands should (allocations are 64-byte aligned).
    const std::int64_t buffer_stride =
        ((rows + in) * block_width + cache_line_floats - 1) / cache_line_floats * cache_line_floats;
    ensure_capacity(scratch.block_buffers, *this, buffer_stride * std::max(threads, 1),
                    "the output layer's per-thread block buffers");
    float* const block_buffers = scratch.block_buffers.data();
    auto thread_buffer = [&] { return block_buffers + omp_get_thread_num() * buffer_stride; };
    // Block b's values sit in the scratch at b * block_width * rows, rows x width row-major: every
    // block is one contiguous stretch.
    auto block_in_scratch = [&](std::int64_t block) { return step.scratch.data + block * block_width * rows; };
    auto slab_blocks = [&](std::int64_t slab) { return std::pair{slab * blocks / slabs, (slab + 1) * blocks / slabs}; };

    // The team's threads each run their blocks' GEMMs, OpenBLAS on the calling thread.
    keep_blas_on_calling_thread();
    const int blas_rows = static_cast<int>(rows);
    const int blas_in = static_cast<int>(in);
    const int blas_outputs = static_cast<int>(outputs);

    // Pass 1, slab by slab and block by block within a slab: logits, each row's exponentials relative
    // to the slab's running maximum (its "reference") and their sum, the label logits for the loss, and
    // the slab's share of E W^T for the input gradient, kept relative to the same reference.
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(dynamic, 1)
    for (std::int64_t slab = 0; slab < slabs; ++slab) {
        float* logits = thread_buffer();
        float* reference = with_input_gradient ? scratch.slab_reference.data() + slab * rows : nullptr;
        float* input_gradient = with_input_gradient ? input_gradient_partials + slab * rows * in : nullptr;
        const auto [first_block, end_block] = slab_blocks(slab);
        for (std::int64_t block = first_block; block < end_block; ++block) {
            const std::int64_t first = block * block_width;
            const std::int64_t width = std::min(block_width, outputs - first);
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
                    const std::int64_t column = labels.column_indices[p];
                    scratch.label_logits[static_cast<std::size_t>(p - label_base)] = x[column - first];
                    if (with_input_gradient) {
                        // The label's weight column, for the target's part of the input gradient, read
                        // while the GEMM has left this block's weights in cache.
                        float* copy = label_weight_columns + (p - label_base) * in;
                        for (std::int64_t k = 0; k < in; ++k) copy[k] = step.weight.data[k * outputs + column];
                    }
                }
                float shift = lane_maximum(x, width);
                if (with_input_gradient) {
                    // Raising the slab's reference rescales what the row has gathered so far.
                    float& kept = reference[row];
                    if (block == first_block) {
                        kept = shift;
                    } else if (shift > kept) {
                        const float rescale = exp_of_nonpositive(kept - shift);
                        float* gathered = input_gradient + row * in;
#pragma omp simd
                        for (std::int64_t k = 0; k < in; ++k) gathered[k] *= rescale;
                        kept = shift;
                    } else {
                        shift = kept;
                    }
                }
                const std::size_t index = static_cast<std::size_t>(block * rows + row);
                block_reference[index] = shift;
                block_sum[index] = exponentiate_and_sum(x, width, shift);
            }
            stream_copy(block_in_scratch(block), logits, rows * width);
            if (with_input_gradient) {
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, blas_rows, blas_in, static_cast<int>(width), 1.0f,
                            logits, static_cast<int>(width), step.weight.data + first, blas_outputs,
                            block == first_block ? 0.0f : 1.0f, input_gradient, blas_in);
            }
        }
        fence_streaming_stores();
    }

    // Each row's maximum M, normalizer S and loss: -mean over labels of log softmax = M + log S - label mean.
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t row = 0; row < rows; ++row) {
        float maximum = -std::numeric_limits<float>::infinity();
        for (std::int64_t block = 0; block < blocks; ++block) {
            maximum = std::max(maximum, block_reference[static_cast<std::size_t>(block * rows + row)]);
        }
        double normalizer = 0.0;
        for (std::int64_t block = 0; block < blocks; ++block) {
            const std::size_t index = static_cast<std::size_t>(block * rows + row);
            normalizer += static_cast<double>(block_sum[index]) *
                          static_cast<double>(exp_of_nonpositive(block_reference[index] - maximum));
        }
        scratch.row_maximum[static_cast<std::size_t>(row)] = maximum;
        scratch.row_normalizer[static_cast<std::size_t>(row)] = normalizer;
        const std::int64_t label_count = labels.row_offsets[row + 1] - labels.row_offsets[row];
        double loss = 0.0;
        if (label_count > 0) {
            double label_sum = 0.0;
            for (std::int64_t p = labels.row_offsets[row]; p < labels.row_offsets[row + 1]; ++p) {
                label_sum += static_cast<double>(scratch.label_logits[static_cast<std::size_t>(p - label_base)]);
            }
            loss = static_cast<double>(maximum) + std::log(normalizer) - label_sum / static_cast<double>(label_count);
        }
        scratch.row_loss[static_cast<std::size_t>(row)] = loss;
        if (!with_input_gradient) continue;
        // grad_input = G W^T = (grad_scale / S) sum over slabs of exp(reference - M) E W^T, minus
        // grad_scale / |labels| times the labels' weight columns.
        float* out = step.grad_input.data + row * in;
        if (label_count == 0) {
            std::fill(out, out + in, 0.0f);
            continue;
        }
        for (std::int64_t slab = 0; slab < slabs; ++slab) {
            const float reference = scratch.slab_reference[static_cast<std::size_t>(slab * rows + row)];
            const float factor = static_cast<float>(static_cast<double>(grad_scale) *
                                                    static_cast<double>(exp_of_nonpositive(reference - maximum)) /
                                                    normalizer);
            const float* gathered = input_gradient_partials + (slab * rows + row) * in;
            if (slab == 0) {
#pragma omp simd
                for (std::int64_t k = 0; k < in; ++k) out[k] = factor * gathered[k];
            } else {
#pragma omp simd
                for (std::int64_t k = 0; k < in; ++k) out[k] += factor * gathered[k];
            }
        }
        const float target = static_cast<float>(static_cast<double>(grad_scale) / static_cast<double>(label_count));
        for (std::int64_t p = labels.row_offsets[row]; p < labels.row_offsets[row + 1]; ++p) {
            const float* column = label_weight_columns + (p - label_base) * in;
#pragma omp simd
            for (std::int64_t k = 0; k < in; ++k) out[k] -= target * column[k];
        }
    }

    // Pass 2: G per block, and from it the weight and bias gradients while the block is in cache.
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(dynamic, 1)
    for (std::int64_t slab = 0; slab < slabs; ++slab) {
        float* g = thread_buffer();
        float* weight_gradient = g + rows * block_width;
        const auto [first_block, end_block] = slab_blocks(slab);
        for (std::int64_t block = first_block; block < end_block; ++block) {
            const std::int64_t first = block * block_width;
            const std::int64_t width = std::min(block_width, outputs - first);
            const float* exponentials = block_in_scratch(block);
            for (std::int64_t row = 0; row < rows; ++row) {
                float* gradient = g + row * width;
                const std::int64_t label_count = labels.row_offsets[row + 1] - labels.row_offsets[row];
                if (label_count == 0) {  // no loss, a zero gradient
                    std::fill(gradient, gradient + width, 0.0f);
                    continue;
                }
                const std::size_t index = static_cast<std::size_t>(block * rows + row);
                // The same float exp(reference - M) the normalizer was summed with.
                const float rescale =
                    exp_of_nonpositive(block_reference[index] - scratch.row_maximum[static_cast<std::size_t>(row)]);
                const float factor = static_cast<float>(static_cast<double>(grad_scale) * static_cast<double>(rescale) /
                                                        scratch.row_normalizer[static_cast<std::size_t>(row)]);
                const float* e = exponentials + row * width;
#pragma omp simd
                for (std::int64_t j = 0; j < width; ++j) gradient[j] = e[j] * factor;
                const float target = static_cast<float>(static_cast<double>(grad_scale) / static_cast<double>(label_count));
                const LabelRange range = labels_in_columns(labels, row, first, first + width);
                for (std::int64_t p = range.begin; p < range.end; ++p) gradient[labels.column_indices[p] - first] -= target;
            }
            // The weight-gradient block goes through the thread's buffer too, so that its rows reach the
            // gradient by streaming stores instead of being read from memory first.
            cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, blas_in, static_cast<int>(width), blas_rows, 1.0f,
                        step.input.data, blas_in, g, static_cast<int>(width), 0.0f, weight_gradient,
                        static_cast<int>(width));
            for (std::int64_t k = 0; k < in; ++k) {
                stream_copy(step.grad_weight.data + k * outputs + first, weight_gradient + k * width, width);
            }
            float* bias_gradient = step.grad_bias + first;
            std::fill(bias_gradient, bias_gradient + width, 0.0f);
            for (std::int64_t row = 0; row < rows; ++row) {
                const float* x = g + row * width;
#pragma omp simd
                for (std::int64_t j = 0; j < width; ++j) bias_gradient[j] += x[j];
            }
        }
        fence_streaming_stores();
    }

    double loss = 0.0;
    for (const double row_loss : scratch.row_loss) loss += row_loss;
    return loss;
}

}  // namespace tb
