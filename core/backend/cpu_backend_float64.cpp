// CpuBackend's double-precision operations for kernel recursions (backend.h, gemm_f64 to
// copy_diagonal_f64). The matrices are node-pair blocks of a Gram matrix computation: a few thousand rows
// by a few thousand columns, each row independent, so the team splits the rows; every sparse product
// walks a row of the sparse matrix once per output row, reading the dense operand's rows or columns it
// names.

#include <cblas.h>
#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/backend/blas_thread_limit.h"
#include "core/backend/cpu_backend.h"
#include "core/backend/operation_shape_checks.h"

namespace tb {
namespace {

#if defined(__AVX2__)
// glibc's vector arccosine (libmvec, x86_64, 4 ULP; since glibc 2.35), which libm.so pulls in as needed:
// the scalar acos is two thirds of a Gram matrix's time, and this one takes a quarter of its time.
extern "C" __m256d _ZGVdN4v_acos(__m256d);
#endif

// One entry of relu_kernel_expectation (backend.h), the scalar form the vector loop follows exactly.
inline void relu_expectation_entry(double& sigma, double& theta, double row_variance, double column_variance) {
    const double scale = std::sqrt(row_variance * column_variance);
    // A node with no variance (all-zero features) is uncorrelated with everything.
    const double rho = scale > 0 ? std::clamp(sigma / scale, -1.0, 1.0) : 0.0;
    const double angle = std::acos(rho);
    const double next = scale * (rho * (std::numbers::pi - angle) + std::sqrt(1.0 - rho * rho)) / std::numbers::pi;
    theta = theta * ((std::numbers::pi - angle) / std::numbers::pi) + next;
    sigma = next;
}

// Entries [0, count) of one row against the columns' variances; returns how many it did (a multiple of
// the vector width), leaving the rest to the scalar form.
std::int64_t relu_expectation_vector(double* sigma, double* theta, double row_variance, const double* column_variance,
                                     std::int64_t count) {
#if defined(__AVX2__)
    const __m256d pi = _mm256_set1_pd(std::numbers::pi);
    const __m256d one = _mm256_set1_pd(1.0);
    const __m256d zero = _mm256_setzero_pd();
    const __m256d row = _mm256_set1_pd(row_variance);
    std::int64_t j = 0;
    for (; j + 4 <= count; j += 4) {
        const __m256d scale = _mm256_sqrt_pd(_mm256_mul_pd(row, _mm256_loadu_pd(column_variance + j)));
        const __m256d positive = _mm256_cmp_pd(scale, zero, _CMP_GT_OQ);
        __m256d rho = _mm256_div_pd(_mm256_loadu_pd(sigma + j), scale);
        rho = _mm256_min_pd(one, _mm256_max_pd(_mm256_sub_pd(zero, one), rho));
        rho = _mm256_and_pd(positive, rho);  // 0 where the scale is 0 (and its 0/0 would be NaN)
        const __m256d angle = _ZGVdN4v_acos(rho);
        const __m256d remaining = _mm256_sub_pd(pi, angle);
        const __m256d root = _mm256_sqrt_pd(_mm256_sub_pd(one, _mm256_mul_pd(rho, rho)));
        const __m256d next = _mm256_div_pd(_mm256_mul_pd(scale, _mm256_add_pd(_mm256_mul_pd(rho, remaining), root)), pi);
        const __m256d theta_next = _mm256_add_pd(_mm256_mul_pd(_mm256_loadu_pd(theta + j), _mm256_div_pd(remaining, pi)), next);
        _mm256_storeu_pd(theta + j, theta_next);
        _mm256_storeu_pd(sigma + j, next);
    }
    return j;
#else
    (void)sigma, (void)theta, (void)row_variance, (void)column_variance, (void)count;
    return 0;
#endif
}

}  // namespace

void CpuBackend::gemm_f64(Transpose transpose_a, Transpose transpose_b, double alpha, ConstMatrixViewF64 a,
                          ConstMatrixViewF64 b, double beta, MatrixViewF64 c) {
    check_gemm_f64_shapes(transpose_a, transpose_b, a, b, c);
    if (c.size() == 0) return;
    const std::int64_t inner = transpose_a == Transpose::yes ? a.rows : a.cols;
    if (inner == 0) {
        for (std::int64_t i = 0; i < c.size(); ++i) c.data[i] = beta == 0.0 ? 0.0 : beta * c.data[i];
        return;
    }
    keep_blas_on_calling_thread();
    const CBLAS_TRANSPOSE op_a = transpose_a == Transpose::yes ? CblasTrans : CblasNoTrans;
    const CBLAS_TRANSPOSE op_b = transpose_b == Transpose::yes ? CblasTrans : CblasNoTrans;
    const int lda = static_cast<int>(std::max<std::int64_t>(a.cols, 1));
    const int ldb = static_cast<int>(std::max<std::int64_t>(b.cols, 1));
    const int ldc = static_cast<int>(std::max<std::int64_t>(c.cols, 1));
    // Stretches of c's rows on the team's threads, each one BLAS call (op(a)'s row i is a's row i, or its
    // column i when a is transposed).
    const int threads = threads_for(c.size() * inner);
    const std::int64_t parts = threads;
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t part = 0; part < parts; ++part) {
        const std::int64_t begin = c.rows * part / parts;
        const std::int64_t end = c.rows * (part + 1) / parts;
        if (begin == end) continue;
        const double* a_part = a.data + (transpose_a == Transpose::no ? begin * lda : begin);
        cblas_dgemm(CblasRowMajor, op_a, op_b, static_cast<int>(end - begin), static_cast<int>(c.cols),
                    static_cast<int>(inner), alpha, a_part, lda, b.data, ldb, beta, c.data + begin * ldc, ldc);
    }
}

void CpuBackend::csr_times_dense_f64(const CsrView& a, const double* row_scale, ConstMatrixViewF64 b, MatrixViewF64 c) {
    check_csr_times_dense_f64_shapes(a, b, c);
    const std::int64_t n = c.cols;
    const int threads = threads_for(a.nnz * n + c.size());
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(dynamic, 16)
    for (std::int64_t row = 0; row < a.rows; ++row) {
        double* out = c.data + row * n;
        std::fill_n(out, n, 0.0);
        for (std::int64_t entry = a.row_offsets[row]; entry < a.row_offsets[row + 1]; ++entry) {
            const double value = a.values[entry];
            const double* in = b.data + static_cast<std::int64_t>(a.column_indices[entry]) * n;
#pragma omp simd
            for (std::int64_t j = 0; j < n; ++j) out[j] += value * in[j];
        }
        if (row_scale != nullptr) {
            const double scale = row_scale[row];
#pragma omp simd
            for (std::int64_t j = 0; j < n; ++j) out[j] *= scale;
        }
    }
}

void CpuBackend::dense_times_csr_transpose_f64(ConstMatrixViewF64 b, const CsrView& a, const double* column_scale,
                                               MatrixViewF64 c) {
    check_dense_times_csr_transpose_f64_shapes(b, a, c);
    const int threads = threads_for(a.nnz * c.rows + c.size());
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(dynamic, 16)
    for (std::int64_t row = 0; row < c.rows; ++row) {
        const double* in = b.data + row * b.cols;
        double* out = c.data + row * c.cols;
        for (std::int64_t column = 0; column < c.cols; ++column) {
            double total = 0;
            for (std::int64_t entry = a.row_offsets[column]; entry < a.row_offsets[column + 1]; ++entry) {
                total += static_cast<double>(a.values[entry]) * in[a.column_indices[entry]];
            }
            out[column] = column_scale != nullptr ? total * column_scale[column] : total;
        }
    }
}

void CpuBackend::relu_kernel_expectation(MatrixViewF64 sigma, MatrixViewF64 theta, const double* row_variance,
                                         const double* column_variance) {
    check_relu_kernel_expectation_arguments(sigma, theta, row_variance, column_variance);
    const std::int64_t n = sigma.cols;
    const int threads = threads_for(8 * sigma.size());
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t row = 0; row < sigma.rows; ++row) {
        double* s = sigma.data + row * n;
        double* t = theta.data + row * n;
        for (std::int64_t j = relu_expectation_vector(s, t, row_variance[row], column_variance, n); j < n; ++j) {
            relu_expectation_entry(s[j], t[j], row_variance[row], column_variance[j]);
        }
    }
}

void CpuBackend::copy_diagonal_f64(ConstMatrixViewF64 m, double* out) {
    check_copy_diagonal_f64_arguments(m, out);
    for (std::int64_t i = 0; i < m.rows; ++i) out[i] = m.data[i * m.cols + i];
}

}  // namespace tb
