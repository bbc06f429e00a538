// CudaBackend's double-precision operations for kernel recursions: core's argument checks, then cuBLAS's
// Dgemm or the kernels of gpu/kernels/float64_kernels.cu on the backend's stream.

#include <climits>
#include <stdexcept>
#include <string>

#include <cublas_v2.h>

#include "core/backend/operation_shape_checks.h"
#include "gpu/cuda_backend.h"
#include "gpu/gpu_status_check.h"
#include "gpu/kernels/float64_kernels.h"

namespace tb::gpu {
namespace {

int dgemm_dimension(std::int64_t value) {
    if (value > INT_MAX) throw std::invalid_argument("gemm_f64: dimension " + std::to_string(value) + " exceeds cuBLAS int");
    return static_cast<int>(value < 1 ? 1 : value);
}

}  // namespace

void CudaBackend::gemm_f64(Transpose transpose_a, Transpose transpose_b, double alpha, ConstMatrixViewF64 a,
                           ConstMatrixViewF64 b, double beta, MatrixViewF64 c) {
    check_gemm_f64_shapes(transpose_a, transpose_b, a, b, c);
    if (c.size() == 0) return;
    activate();
    const std::int64_t inner = transpose_a == Transpose::yes ? a.rows : a.cols;
    const auto operation = [](Transpose t) { return t == Transpose::yes ? CUBLAS_OP_T : CUBLAS_OP_N; };
    if (inner == 0) {
        // c = beta c. Zero bits are 0.0, and beta 0 must not read c (it may hold NaN).
        if (beta == 0.0) {
            TB_GPU_CHECK(cudaMemsetAsync(c.data, 0, static_cast<std::size_t>(c.size()) * sizeof(double), stream_));
        } else {
            TB_GPU_CHECK(cublasDscal(cublas_, dgemm_dimension(c.size()), &beta, c.data, 1));
        }
        return;
    }
    // Row-major c = op(a) op(b) is column-major c^T = op(b)^T op(a)^T, as gemm does it (cuda_backend.cpp).
    TB_GPU_CHECK(cublasDgemm(cublas_, operation(transpose_b), operation(transpose_a), dgemm_dimension(c.cols),
                             dgemm_dimension(c.rows), static_cast<int>(inner), &alpha, b.data, dgemm_dimension(b.cols),
                             a.data, dgemm_dimension(a.cols), &beta, c.data, dgemm_dimension(c.cols)));
}

void CudaBackend::csr_times_dense_f64(const CsrView& a, const double* row_scale, ConstMatrixViewF64 b, MatrixViewF64 c) {
    check_csr_times_dense_f64_shapes(a, b, c);
    activate();
    launch_csr_times_dense_f64(a, row_scale, b, c, stream_);
}

void CudaBackend::dense_times_csr_transpose_f64(ConstMatrixViewF64 b, const CsrView& a, const double* column_scale,
                                                MatrixViewF64 c) {
    check_dense_times_csr_transpose_f64_shapes(b, a, c);
    activate();
    launch_dense_times_csr_transpose_f64(b, a, column_scale, c, stream_);
}

void CudaBackend::relu_kernel_expectation(MatrixViewF64 sigma, MatrixViewF64 theta, const double* row_variance,
                                          const double* column_variance) {
    check_relu_kernel_expectation_arguments(sigma, theta, row_variance, column_variance);
    activate();
    launch_relu_kernel_expectation(sigma, theta, row_variance, column_variance, stream_);
}

void CudaBackend::copy_diagonal_f64(ConstMatrixViewF64 m, double* out) {
    check_copy_diagonal_f64_arguments(m, out);
    activate();
    launch_copy_diagonal_f64(m, out, stream_);
}

}  // namespace tb::gpu
