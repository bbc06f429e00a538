#pragma once
// Launchers for the double-precision operations of kernel recursions (float64_kernels.cu):
// Backend::csr_times_dense_f64, dense_times_csr_transpose_f64, relu_kernel_expectation and
// copy_diagonal_f64 on device memory (gemm_f64 is cuBLAS's Dgemm, in cuda_backend_float64.cpp). Each
// enqueues on `stream` and checks the launch; shapes were checked by the caller.

#include <cuda_runtime_api.h>

#include "core/backend/views.h"

namespace tb::gpu {

void launch_csr_times_dense_f64(const CsrView& a, const double* row_scale, ConstMatrixViewF64 b, MatrixViewF64 c,
                                cudaStream_t stream);
void launch_dense_times_csr_transpose_f64(ConstMatrixViewF64 b, const CsrView& a, const double* column_scale,
                                          MatrixViewF64 c, cudaStream_t stream);
void launch_relu_kernel_expectation(MatrixViewF64 sigma, MatrixViewF64 theta, const double* row_variance,
                                    const double* column_variance, cudaStream_t stream);
void launch_copy_diagonal_f64(ConstMatrixViewF64 m, double* out, cudaStream_t stream);

}  // namespace tb::gpu
