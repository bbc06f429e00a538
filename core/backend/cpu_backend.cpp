#include "core/backend/cpu_backend.h"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "core/backend/blas_thread_limit.h"
#include "core/backend/cpu_vectorizable_math.h"
#include "core/backend/dropout_mask.h"
#include "core/backend/operation_shape_checks.h"
#include "core/errors.h"

namespace tb {
namespace {

// A 64-byte boundary is a cache line and a full AVX-512 register, so aligned loads never split lines.
constexpr std::size_t allocation_alignment = 64;

// Below about this many elements a loop finishes in a few microseconds, which is what waking the rest
// of an OpenMP team costs; such loops stay on the calling thread.
constexpr std::int64_t parallel_threshold = std::int64_t{1} << 15;

// Reductions sum fixed-size chunks, each in a fixed order, then add the chunk sums in index order, so
// the result does not depend on the thread count: a run gives the same bits on 1 or 16 cores.
constexpr std::int64_t reduction_chunk = std::int64_t{1} << 14;
constexpr std::int64_t stack_reduction_chunks = 4096;  // 64 Mi elements before the heap is needed

// column_sums keeps one double accumulator per column of a block on the stack; 256 doubles is 2 KiB,
// small enough for L1 next to the rows streaming through.
constexpr std::int64_t column_sum_block = 256;

// In the transpose product each thread owns whole cache lines of every output row, so threads never
// write the same line.
constexpr std::int64_t floats_per_cache_line = 16;

std::string mebibytes(std::size_t bytes) {
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%.1f", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return text.data();
}

// BLAS takes dimensions as int (blasint in Debian's 32-bit-index OpenBLAS).
int blas_dimension(std::int64_t value) {
    if (value > INT_MAX) throw std::invalid_argument("gemm: dimension " + std::to_string(value) + " exceeds BLAS int");
    return static_cast<int>(value);
}

CBLAS_TRANSPOSE blas_transpose(Transpose transpose) { return transpose == Transpose::yes ? CblasTrans : CblasNoTrans; }

// How gemm shares a product among the team: c is cut along its longer side into `parts` stretches, each
// one OpenBLAS call. A part gets at least this many multiply-adds, enough that waking a thread pays off,
// and it keeps every part above the size (10^6 multiply-adds) below which OpenBLAS switches to its
// small-matrix kernels. The parts depend on the product's shape only, never on the thread count:
// OpenBLAS's kernels round an element differently depending on where it falls in their own blocking of
// the call (its Zen kernels: a 301 x 517 x 203 product cut at column 256 differs from the whole call in
// the 8 columns before the cut), so only the same cuts give the same bits. A team of any size computes the
// same parts, and a run gives the same bits on 1 or 16 cores.
constexpr std::int64_t gemm_part_work = std::int64_t{1} << 22;
// Enough parts to keep 16 cores busy on a large product, or 2 and 3 cores evenly (dynamic scheduling).
constexpr std::int64_t gemm_max_parts = 48;

struct GemmSplit {
    int parts = 1;
    bool along_rows = true;
    std::int64_t extent = 0;  // rows or columns of c
    std::int64_t alignment = 1;
    // Start of part p; boundary(parts) is the extent. Column stretches start on a cache line of c's
    // rows, so that two threads never write the same line.
    std::int64_t boundary(int part) const {
        if (part >= parts) return extent;
        return extent * part / parts / alignment * alignment;
    }
};

GemmSplit split_gemm(std::int64_t rows, std::int64_t cols, std::int64_t inner) {
    GemmSplit split;
    split.along_rows = rows >= cols;
    split.extent = split.along_rows ? rows : cols;
    split.alignment = split.along_rows ? 1 : floats_per_cache_line;
    // Stretches at least twice the alignment wide, so that rounding never halves a part.
    const std::int64_t widest_split = split.extent / (2 * split.alignment);
    const std::int64_t affordable = rows * cols * inner / gemm_part_work;
    split.parts = static_cast<int>(std::max<std::int64_t>(1, std::min({gemm_max_parts, affordable, widest_split})));
    return split;
}

// y = beta * y with the BLAS reading of beta == 0: y is overwritten, never read, so stale NaNs vanish.
void scale_or_clear(float* __restrict y, std::int64_t count, float beta) {
    if (beta == 0.0f) {
        std::fill(y, y + count, 0.0f);
    } else if (beta != 1.0f) {
        for (std::int64_t i = 0; i < count; ++i) y[i] *= beta;
    }
}

// The part of c = alpha * transpose(a) * b + beta * c that lies in columns [first_column, end_column)
// and in rows [first_c_row, end_c_row) of c. Callers hand disjoint blocks to threads, so no two threads
// write the same element and no atomics are needed.
void transpose_product_block(float alpha, const CsrView& a, ConstMatrixView b, float beta, MatrixView c,
                             std::int64_t first_column, std::int64_t end_column, std::int64_t first_c_row,
                             std::int64_t end_c_row) {
    const std::int64_t c_stride = c.row_stride();
    const std::int64_t b_stride = b.row_stride();
    const std::int64_t width = end_column - first_column;
    for (std::int64_t row = first_c_row; row < end_c_row; ++row) {
        scale_or_clear(c.data + row * c_stride + first_column, width, beta);
    }
    for (std::int64_t a_row = 0; a_row < a.rows; ++a_row) {
        const float* __restrict b_row = b.data + a_row * b_stride + first_column;
        for (std::int64_t p = a.row_offsets[a_row]; p < a.row_offsets[a_row + 1]; ++p) {
            const std::int64_t c_row = a.column_indices[p];
            if (c_row < first_c_row || c_row >= end_c_row) continue;
            const float weight = alpha * a.values[p];
            float* __restrict out = c.data + c_row * c_stride + first_column;
            for (std::int64_t j = 0; j < width; ++j) out[j] += weight * b_row[j];
        }
    }
}

// [begin, end) of `total` items for `part` of `parts`, boundaries rounded to multiples of `granule`.
std::pair<std::int64_t, std::int64_t> share_of(std::int64_t total, int part, int parts, std::int64_t granule) {
    const std::int64_t granules = (total + granule - 1) / granule;
    const std::int64_t begin = std::min(total, granules * part / parts * granule);
    const std::int64_t end = std::min(total, granules * (part + 1) / parts * granule);
    return {begin, end};
}

// The SGD formula of backend.h on one contiguous span; the template flags lift the branches out of the
// loop so that it vectorizes.
template <bool has_velocity, bool nesterov>
void sgd_span(float* __restrict weights, const float* __restrict gradient, float* __restrict velocity,
              std::int64_t count, const SgdHyperparameters& hyper) {
    const float learning_rate = hyper.learning_rate;
    const float momentum = hyper.momentum;
    const float weight_decay = hyper.weight_decay;
    for (std::int64_t i = 0; i < count; ++i) {
        const float decayed = gradient[i] + weight_decay * weights[i];
        if constexpr (has_velocity) {
            const float v = momentum * velocity[i] + decayed;
            velocity[i] = v;
            weights[i] -= learning_rate * (nesterov ? decayed + momentum * v : v);
        } else {
            weights[i] -= learning_rate * decayed;
        }
    }
}

using SgdSpan = void (*)(float*, const float*, float*, std::int64_t, const SgdHyperparameters&);

SgdSpan choose_sgd_span(const float* velocity, const SgdHyperparameters& hyper) {
    if (velocity == nullptr) return sgd_span<false, false>;
    return hyper.nesterov ? sgd_span<true, true> : sgd_span<true, false>;
}

// The sum in double of term(i) over [0, count).
template <typename Term>
double chunked_sum(std::int64_t count, int threads, Term term) {
    const std::int64_t chunks = (count + reduction_chunk - 1) / reduction_chunk;
    std::array<double, stack_reduction_chunks> stack_partials;
    std::vector<double> heap_partials;
    double* partials = stack_partials.data();
    if (chunks > stack_reduction_chunks) {
        heap_partials.resize(static_cast<std::size_t>(chunks));
        partials = heap_partials.data();
    }
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t chunk = 0; chunk < chunks; ++chunk) {
        const std::int64_t begin = chunk * reduction_chunk;
        partials[chunk] = lane_sum_in_double(begin, std::min(count, begin + reduction_chunk), term);
    }
    double total = 0.0;
    for (std::int64_t chunk = 0; chunk < chunks; ++chunk) total += partials[chunk];
    return total;
}

}  // namespace

CpuBackend::CpuBackend(int thread_count, std::size_t memory_limit_bytes)
    : thread_count_(thread_count > 0 ? thread_count : omp_get_max_threads()), memory_limit_(memory_limit_bytes) {
    top_k_scratch_.resize(static_cast<std::size_t>(thread_count_));
    // OpenBLAS keeps a thread pool of its own beside the OpenMP team the backend's loops run on, and on
    // the same cores the two spin against each other between operations: on two cores a Bibtex step
    // took twice as long with both pools as with OpenBLAS single-threaded (bench/RESULTS.md). So every
    // OpenBLAS call runs on one thread, and gemm shares large products among the team itself.
    keep_blas_on_calling_thread();
}

bool CpuBackend::supports_strided_views(Operation operation) const {
    switch (operation) {
        case Operation::gemm:
        case Operation::csr_times_dense:
        case Operation::csr_transpose_times_dense:
        case Operation::add_row_vector:
        case Operation::column_sums:
        case Operation::row_dot:
        case Operation::scale_rows:
        case Operation::relu_forward:
        case Operation::relu_backward:
        case Operation::dropout_forward:
        case Operation::dropout_backward:
        case Operation::gather_rows:
        case Operation::scatter_rows: return true;
        default: return false;
    }
}

int CpuBackend::threads_for(std::int64_t work) const { return work >= parallel_threshold ? thread_count_ : 1; }

// ---- memory ----------------------------------------------------------------------------------------

void* CpuBackend::allocate_bytes(std::size_t bytes, const char* what) {
    if (bytes == 0) return nullptr;
    memory_limit_.check(bytes, what, "cpu");
    const std::size_t rounded = (bytes + allocation_alignment - 1) / allocation_alignment * allocation_alignment;
    // The memory is deliberately not cleared: pages nobody touches are never committed, which is what
    // lets a full-size row-sparse gradient cost only the rows a batch touches.
    void* pointer = rounded >= bytes ? std::aligned_alloc(allocation_alignment, rounded) : nullptr;
    if (pointer == nullptr) {
        throw DeviceError("cpu: cannot allocate " + mebibytes(bytes) + " MiB for " + (what ? what : "a buffer") +
                          " (out of host memory)");
    }
    memory_limit_.record(pointer, bytes);
    return pointer;
}

void CpuBackend::free_bytes(void* pointer) noexcept {
    memory_limit_.release(pointer);
    std::free(pointer);
}

void CpuBackend::copy_host_to_device(void* device_destination, const void* host_source, std::size_t bytes) {
    if (bytes > 0) std::memcpy(device_destination, host_source, bytes);
}

void CpuBackend::copy_device_to_host(void* host_destination, const void* device_source, std::size_t bytes) {
    if (bytes > 0) std::memcpy(host_destination, device_source, bytes);
}

void CpuBackend::copy_device_to_device(void* destination, const void* source, std::size_t bytes) {
    if (bytes > 0) std::memcpy(destination, source, bytes);
}

// ---- linear algebra --------------------------------------------------------------------------------

void CpuBackend::gemm(Transpose transpose_a, Transpose transpose_b, float alpha, ConstMatrixView a,
                      ConstMatrixView b, float beta, MatrixView c) {
    check_gemm_shapes(transpose_a, transpose_b, a, b, c);
    const std::int64_t inner = transpose_a == Transpose::yes ? a.rows : a.cols;
    if (c.size() == 0) return;
    if (inner == 0) {
        // BLAS rejects a zero leading dimension, and the product is empty anyway.
        if (c.is_contiguous()) {
            scale(c.data, c.size(), beta);
        } else {
            for (std::int64_t row = 0; row < c.rows; ++row) scale(c.data + row * c.row_stride(), c.cols, beta);
        }
        return;
    }
    // Row-major leading dimensions are the stored row strides (the column counts of contiguous
    // matrices), whatever the transposes; a column block of a wider matrix passes the wider one's.
    const int lda = blas_dimension(a.row_stride());
    const int ldb = blas_dimension(b.row_stride());
    const int ldc = blas_dimension(c.row_stride());
    const int k = blas_dimension(inner);
    const CBLAS_TRANSPOSE op_a = blas_transpose(transpose_a);
    const CBLAS_TRANSPOSE op_b = blas_transpose(transpose_b);
    keep_blas_on_calling_thread();
    const GemmSplit split = split_gemm(c.rows, c.cols, inner);
    if (split.parts <= 1) {
        cblas_sgemm(CblasRowMajor, op_a, op_b, blas_dimension(c.rows), blas_dimension(c.cols), k, alpha, a.data, lda,
                    b.data, ldb, beta, c.data, ldc);
        return;
    }
    // Each thread computes a stretch of c's rows (the rows of op(a)) or of its columns (the columns of
    // op(b)); op(a) row i is stored row i of a, or stored column i when a is transposed, and likewise
    // for op(b)'s columns.
    const int threads = std::min(split.parts, thread_count_);
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(dynamic, 1)
    for (int part = 0; part < split.parts; ++part) {
        const std::int64_t begin = split.boundary(part);
        const std::int64_t end = split.boundary(part + 1);
        if (begin == end) continue;
        if (split.along_rows) {
            const float* a_part = a.data + (transpose_a == Transpose::no ? begin * lda : begin);
            cblas_sgemm(CblasRowMajor, op_a, op_b, static_cast<int>(end - begin), blas_dimension(c.cols), k, alpha,
                        a_part, lda, b.data, ldb, beta, c.data + begin * ldc, ldc);
        } else {
            const float* b_part = b.data + (transpose_b == Transpose::no ? begin : begin * ldb);
            cblas_sgemm(CblasRowMajor, op_a, op_b, blas_dimension(c.rows), static_cast<int>(end - begin), k, alpha,
                        a.data, lda, b_part, ldb, beta, c.data + begin, ldc);
        }
    }
}

void CpuBackend::csr_times_dense(float alpha, const CsrView& a, ConstMatrixView b, float beta, MatrixView c) {
    check_csr_times_dense_shapes(a, b, c);
    const std::int64_t n = c.cols;
    const std::int64_t b_stride = b.row_stride();
    const std::int64_t c_stride = c.row_stride();
    const int threads = threads_for(a.nnz * n + c.size());
    // Rows differ in their non-zero counts; small dynamic chunks keep both cores busy to the end.
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(dynamic, 4)
    for (std::int64_t row = 0; row < a.rows; ++row) {
        float* __restrict out = c.data + row * c_stride;
        scale_or_clear(out, n, beta);
        for (std::int64_t p = a.row_offsets[row]; p < a.row_offsets[row + 1]; ++p) {
            const float weight = alpha * a.values[p];
            const float* __restrict b_row = b.data + static_cast<std::int64_t>(a.column_indices[p]) * b_stride;
            for (std::int64_t j = 0; j < n; ++j) out[j] += weight * b_row[j];
        }
    }
}

void CpuBackend::csr_transpose_times_dense(float alpha, const CsrView& a, ConstMatrixView b, float beta,
                                           MatrixView c) {
    check_csr_transpose_times_dense_shapes(a, b, c);
    if (c.size() == 0) return;
    const int threads = threads_for(a.nnz * c.cols + c.size());
    if (threads == 1) {
        transpose_product_block(alpha, a, b, beta, c, 0, c.cols, 0, c.rows);
        return;
    }
    // Several rows of a usually share a column (a popular feature), so threads cannot split a's rows
    // without racing on c. Wide outputs are split by columns: every thread walks all of a and updates
    // its own cache lines of each c row, which balances perfectly. Narrow outputs are split by c rows:
    // every thread walks all of a and skips the entries that land outside its rows.
    const bool split_columns = c.cols >= floats_per_cache_line * threads;
#pragma omp parallel num_threads(threads)
    {
        const int part = omp_get_thread_num();
        const int parts = omp_get_num_threads();
        if (split_columns) {
            const auto [first, end] = share_of(c.cols, part, parts, floats_per_cache_line);
            if (first < end) transpose_product_block(alpha, a, b, beta, c, first, end, 0, c.rows);
        } else {
            const auto [first, end] = share_of(c.rows, part, parts, 1);
            if (first < end) transpose_product_block(alpha, a, b, beta, c, 0, c.cols, first, end);
        }
    }
}

// ---- element-wise ----------------------------------------------------------------------------------

void CpuBackend::fill(float* x, std::int64_t count, float value) {
    check_array("fill", "x", x, count);
    const int threads = threads_for(count);
#pragma omp parallel for simd num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t i = 0; i < count; ++i) x[i] = value;
}

void CpuBackend::scale(float* x, std::int64_t count, float alpha) {
    check_array("scale", "x", x, count);
    if (alpha == 0.0f) {
        fill(x, count, 0.0f);  // the BLAS convention: scaling by 0 clears NaN and infinities too
        return;
    }
    const int threads = threads_for(count);
#pragma omp parallel for simd num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t i = 0; i < count; ++i) x[i] *= alpha;
}

void CpuBackend::axpby(float alpha, const float* x, float beta, float* y, std::int64_t count) {
    check_array("axpby", "x", x, count);
    check_array("axpby", "y", y, count);
    const int threads = threads_for(count);
    if (beta == 0.0f) {
#pragma omp parallel for simd num_threads(threads) if (parallel : threads > 1) schedule(static)
        for (std::int64_t i = 0; i < count; ++i) y[i] = alpha * x[i];
    } else {
#pragma omp parallel for simd num_threads(threads) if (parallel : threads > 1) schedule(static)
        for (std::int64_t i = 0; i < count; ++i) y[i] = alpha * x[i] + beta * y[i];
    }
}

void CpuBackend::add_row_vector(MatrixView m, const float* row_vector) {
    check_add_row_vector_arguments(m, row_vector);
    const std::int64_t n = m.cols;
    const std::int64_t stride = m.row_stride();
    const int threads = threads_for(m.size());
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t row = 0; row < m.rows; ++row) {
        float* __restrict out = m.data + row * stride;
        for (std::int64_t j = 0; j < n; ++j) out[j] += row_vector[j];
    }
}

void CpuBackend::column_sums(float alpha, ConstMatrixView m, float beta, float* out) {
    check_column_sums_arguments(m, out);
    const std::int64_t n = m.cols;
    const std::int64_t stride = m.row_stride();
    const std::int64_t blocks = (n + column_sum_block - 1) / column_sum_block;
    const int threads = blocks > 1 ? threads_for(m.size()) : 1;
    // Each thread sums whole column blocks over all rows: no shared accumulators, and every output
    // is summed in row order, so the result does not depend on the thread count.
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t block = 0; block < blocks; ++block) {
        const std::int64_t first = block * column_sum_block;
        const std::int64_t width = std::min(column_sum_block, n - first);
        std::array<double, column_sum_block> totals{};
        for (std::int64_t row = 0; row < m.rows; ++row) {
            const float* __restrict in = m.data + row * stride + first;
            for (std::int64_t j = 0; j < width; ++j) totals[j] += static_cast<double>(in[j]);
        }
        for (std::int64_t j = 0; j < width; ++j) {
            const double scaled = static_cast<double>(alpha) * totals[j];
            const double kept = beta == 0.0f ? 0.0 : static_cast<double>(beta) * out[first + j];
            out[first + j] = static_cast<float>(scaled + kept);
        }
    }
}

void CpuBackend::row_dot(float alpha, ConstMatrixView a, ConstMatrixView b, float beta, float* out) {
    check_row_dot_arguments(a, b, out);
    const std::int64_t n = a.cols;
    const int threads = threads_for(a.size());
    // Every row is summed in column order in double by one thread, so the result does not depend on
    // the thread count and matches the GPU's.
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t row = 0; row < a.rows; ++row) {
        const float* __restrict x = a.data + row * a.row_stride();
        const float* __restrict y = b.data + row * b.row_stride();
        double total = 0.0;
        for (std::int64_t j = 0; j < n; ++j) total += static_cast<double>(x[j]) * static_cast<double>(y[j]);
        const double kept = beta == 0.0f ? 0.0 : static_cast<double>(beta) * out[row];
        out[row] = static_cast<float>(static_cast<double>(alpha) * total + kept);
    }
}

void CpuBackend::scale_rows(ConstMatrixView in, const float* scale, float beta, MatrixView out) {
    check_scale_rows_arguments(in, scale, out);
    const std::int64_t n = in.cols;
    const int threads = threads_for(in.size());
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t row = 0; row < in.rows; ++row) {
        // No __restrict: in and out may be the same rows.
        const float* x = in.data + row * in.row_stride();
        float* y = out.data + row * out.row_stride();
        const float factor = scale[row];
        if (beta == 0.0f) {
            for (std::int64_t j = 0; j < n; ++j) y[j] = factor * x[j];
        } else {
            for (std::int64_t j = 0; j < n; ++j) y[j] = factor * x[j] + beta * y[j];
        }
    }
}

void CpuBackend::relu_forward(ConstMatrixView in, MatrixView out) {
    check_same_shape("relu_forward", in, out);
    const int threads = threads_for(in.size());
    // x < 0 ? 0 : x is std::max(x, 0): it returns x when x is NaN, so a diverging run stays visibly NaN.
    // Written out, it vectorizes under omp simd as a compare and a blend; std::max there compiled to a
    // branch per element, which random signs mispredict half the time (120 ms instead of 12 ms for 2^24
    // elements on two EPYC cores, bench/RESULTS.md).
    if (in.is_contiguous() && out.is_contiguous()) {
        const float* x = in.data;
        float* y = out.data;
        const std::int64_t count = in.size();
#pragma omp parallel for simd num_threads(threads) if (parallel : threads > 1) schedule(static)
        for (std::int64_t i = 0; i < count; ++i) y[i] = x[i] < 0.0f ? 0.0f : x[i];
        return;
    }
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t row = 0; row < in.rows; ++row) {
        const float* x = in.data + row * in.row_stride();
        float* y = out.data + row * out.row_stride();
        for (std::int64_t j = 0; j < in.cols; ++j) y[j] = std::max(x[j], 0.0f);
    }
}

void CpuBackend::relu_backward(ConstMatrixView activation, ConstMatrixView grad_out, MatrixView grad_in) {
    check_same_shape("relu_backward", activation, grad_out);
    check_same_shape("relu_backward", activation, grad_in);
    const int threads = threads_for(activation.size());
    if (activation.is_contiguous() && grad_out.is_contiguous() && grad_in.is_contiguous()) {
        const float* a = activation.data;
        const float* g = grad_out.data;
        float* out = grad_in.data;
        const std::int64_t count = activation.size();
#pragma omp parallel for simd num_threads(threads) if (parallel : threads > 1) schedule(static)
        for (std::int64_t i = 0; i < count; ++i) out[i] = a[i] > 0.0f ? g[i] : 0.0f;
        return;
    }
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t row = 0; row < activation.rows; ++row) {
        const float* a = activation.data + row * activation.row_stride();
        const float* g = grad_out.data + row * grad_out.row_stride();
        float* out = grad_in.data + row * grad_in.row_stride();
        for (std::int64_t j = 0; j < activation.cols; ++j) out[j] = a[j] > 0.0f ? g[j] : 0.0f;
    }
}

void CpuBackend::dropout_forward(ConstMatrixView in, MatrixView out, float* mask, float rate, std::uint64_t seed,
                                 std::uint64_t stream_offset) {
    check_dropout_arguments(in, out, mask, rate);
    const std::uint64_t key = dropout_stream_key(seed);
    const float keep_scale = 1.0f / (1.0f - rate);
    const int threads = threads_for(in.size());
    if (in.is_contiguous() && out.is_contiguous()) {
        const float* x = in.data;
        float* y = out.data;
        const std::int64_t count = in.size();
#pragma omp parallel for simd num_threads(threads) if (parallel : threads > 1) schedule(static)
        for (std::int64_t i = 0; i < count; ++i) {
            const float factor = dropout_factor(key, stream_offset + static_cast<std::uint64_t>(i), rate, keep_scale);
            mask[i] = factor;
            y[i] = x[i] * factor;
        }
        return;
    }
    // The mask stays contiguous and its positions count the view's elements row by row, so a strided
    // view draws the mask a contiguous copy of it would.
    const std::int64_t n = in.cols;
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t row = 0; row < in.rows; ++row) {
        const float* x = in.data + row * in.row_stride();
        float* y = out.data + row * out.row_stride();
        for (std::int64_t j = 0; j < n; ++j) {
            const std::int64_t i = row * n + j;
            const float factor = dropout_factor(key, stream_offset + static_cast<std::uint64_t>(i), rate, keep_scale);
            mask[i] = factor;
            y[j] = x[j] * factor;
        }
    }
}

void CpuBackend::dropout_backward(ConstMatrixView grad_out, const float* mask, MatrixView grad_in) {
    check_same_shape("dropout_backward", grad_out, grad_in);
    check_array("dropout_backward", "mask", mask, grad_out.size());
    const int threads = threads_for(grad_out.size());
    if (grad_out.is_contiguous() && grad_in.is_contiguous()) {
        const float* g = grad_out.data;
        float* out = grad_in.data;
        const std::int64_t count = grad_out.size();
#pragma omp parallel for simd num_threads(threads) if (parallel : threads > 1) schedule(static)
        for (std::int64_t i = 0; i < count; ++i) out[i] = g[i] * mask[i];
        return;
    }
    const std::int64_t n = grad_out.cols;
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t row = 0; row < grad_out.rows; ++row) {
        const float* g = grad_out.data + row * grad_out.row_stride();
        float* out = grad_in.data + row * grad_in.row_stride();
        for (std::int64_t j = 0; j < n; ++j) out[j] = g[j] * mask[row * n + j];
    }
}

// ---- reductions ------------------------------------------------------------------------------------

double CpuBackend::sum(const float* x, std::int64_t count) {
    check_array("sum", "x", x, count);
    return chunked_sum(count, threads_for(count), [x](std::int64_t i) { return static_cast<double>(x[i]); });
}

double CpuBackend::dot(const float* x, const float* y, std::int64_t count) {
    check_array("dot", "x", x, count);
    check_array("dot", "y", y, count);
    return chunked_sum(count, threads_for(count),
                       [x, y](std::int64_t i) { return static_cast<double>(x[i]) * static_cast<double>(y[i]); });
}

double CpuBackend::sum_of_squares(const float* x, std::int64_t count) {
    check_array("sum_of_squares", "x", x, count);
    return chunked_sum(count, threads_for(count),
                       [x](std::int64_t i) { return static_cast<double>(x[i]) * static_cast<double>(x[i]); });
}

// ---- optimizer updates -----------------------------------------------------------------------------

void CpuBackend::sgd_update(float* weights, const float* gradient, float* velocity, std::int64_t count,
                            const SgdHyperparameters& hyper) {
    check_sgd_arguments(weights, gradient, velocity, count, hyper);
    const SgdSpan update = choose_sgd_span(velocity, hyper);
    // Whole cache lines per chunk, so neighbouring threads never share one.
    constexpr std::int64_t chunk = 4096;
    const std::int64_t chunks = (count + chunk - 1) / chunk;
    const int threads = threads_for(count);
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t c = 0; c < chunks; ++c) {
        const std::int64_t begin = c * chunk;
        update(weights + begin, gradient + begin, velocity != nullptr ? velocity + begin : nullptr,
               std::min(chunk, count - begin), hyper);
    }
}

void CpuBackend::sgd_update_rows(MatrixView weights, const std::int32_t* rows, ConstMatrixView grad_rows,
                                 float* velocity, const SgdHyperparameters& hyper) {
    check_sgd_rows_arguments(weights, rows, grad_rows, velocity, hyper);
    const SgdSpan update = choose_sgd_span(velocity, hyper);
    const std::int64_t n = weights.cols;
    const int threads = threads_for(grad_rows.size());
    // The listed rows are distinct (they are the batch's touched features), so threads never collide.
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t i = 0; i < grad_rows.rows; ++i) {
        const std::int64_t row = rows[i];
        update(weights.data + row * n, grad_rows.data + i * n, velocity != nullptr ? velocity + row * n : nullptr, n,
               hyper);
    }
}

}  // namespace tb
