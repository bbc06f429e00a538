// The double-precision kernels of the graph neural tangent kernel's recursion. The matrices are node-pair
// blocks (a few thousand nodes a side) and the sparse operands adjacencies with a handful of entries per
// row, so every kernel is a grid-stride loop with one thread per output element: for the products the
// threads of a warp share a sparse row (the left product) or a dense row (the right one) and read the
// other operand's neighbouring entries, which keeps the loads coalesced without a sparse library's
// double-precision path.

#include "gpu/gpu_status_check.h"
#include "gpu/kernels/float64_kernels.h"
#include "gpu/kernels/launch_geometry.cuh"

namespace tb::gpu {
namespace {

__device__ inline std::int64_t first_index() {
    return static_cast<std::int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ inline std::int64_t grid_stride() { return static_cast<std::int64_t>(gridDim.x) * blockDim.x; }

// c(row, j) = row_scale[row] * sum over row's entries e of a_e b(column_e, j).
__global__ void csr_times_dense_f64_kernel(const std::int64_t* row_offsets, const std::int32_t* column_indices,
                                           const float* values, const double* row_scale, const double* b,
                                           double* c, std::int64_t rows, std::int64_t cols) {
    const std::int64_t count = rows * cols;
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
        const std::int64_t row = i / cols;
        const std::int64_t column = i - row * cols;
        double total = 0.0;
        for (std::int64_t e = row_offsets[row]; e < row_offsets[row + 1]; ++e) {
            total += static_cast<double>(values[e]) * b[static_cast<std::int64_t>(column_indices[e]) * cols + column];
        }
        c[i] = row_scale != nullptr ? total * row_scale[row] : total;
    }
}

// c(i, j) = column_scale[j] * sum over a's row j of a_e b(i, column_e).
__global__ void dense_times_csr_transpose_f64_kernel(const double* b, std::int64_t b_cols,
                                                     const std::int64_t* row_offsets,
                                                     const std::int32_t* column_indices, const float* values,
                                                     const double* column_scale, double* c, std::int64_t rows,
                                                     std::int64_t cols) {
    const std::int64_t count = rows * cols;
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
        const std::int64_t row = i / cols;
        const std::int64_t column = i - row * cols;
        const double* b_row = b + row * b_cols;
        double total = 0.0;
        for (std::int64_t e = row_offsets[column]; e < row_offsets[column + 1]; ++e) {
            total += static_cast<double>(values[e]) * b_row[column_indices[e]];
        }
        c[i] = column_scale != nullptr ? total * column_scale[column] : total;
    }
}

__global__ void relu_kernel_expectation_kernel(double* sigma, double* theta, const double* row_variance,
                                               const double* column_variance, std::int64_t rows, std::int64_t cols) {
    const std::int64_t count = rows * cols;
    const double pi = 3.14159265358979323846;
    for (std::int64_t i = first_index(); i < count; i += grid_stride()) {
        const std::int64_t row = i / cols;
        const double scale = sqrt(row_variance[row] * column_variance[i - row * cols]);
        // A node with no variance (all-zero features) is uncorrelated with everything.
        const double rho = scale > 0.0 ? fmin(1.0, fmax(-1.0, sigma[i] / scale)) : 0.0;
        const double angle = acos(rho);
        const double next = scale * (rho * (pi - angle) + sqrt(1.0 - rho * rho)) / pi;
        theta[i] = theta[i] * ((pi - angle) / pi) + next;
        sigma[i] = next;
    }
}

__global__ void copy_diagonal_f64_kernel(const double* m, std::int64_t n, double* out) {
    for (std::int64_t i = first_index(); i < n; i += grid_stride()) out[i] = m[i * n + i];
}

}  // namespace

void launch_csr_times_dense_f64(const CsrView& a, const double* row_scale, ConstMatrixViewF64 b, MatrixViewF64 c,
                                cudaStream_t stream) {
    if (c.size() == 0) return;
    csr_times_dense_f64_kernel<<<grid_stride_blocks(c.size()), threads_per_block, 0, stream>>>(
        a.row_offsets, a.column_indices, a.values, row_scale, b.data, c.data, c.rows, c.cols);
    TB_GPU_CHECK_LAUNCH();
}

void launch_dense_times_csr_transpose_f64(ConstMatrixViewF64 b, const CsrView& a, const double* column_scale,
                                          MatrixViewF64 c, cudaStream_t stream) {
    if (c.size() == 0) return;
    dense_times_csr_transpose_f64_kernel<<<grid_stride_blocks(c.size()), threads_per_block, 0, stream>>>(
        b.data, b.cols, a.row_offsets, a.column_indices, a.values, column_scale, c.data, c.rows, c.cols);
    TB_GPU_CHECK_LAUNCH();
}

void launch_relu_kernel_expectation(MatrixViewF64 sigma, MatrixViewF64 theta, const double* row_variance,
                                    const double* column_variance, cudaStream_t stream) {
    if (sigma.size() == 0) return;
    relu_kernel_expectation_kernel<<<grid_stride_blocks(sigma.size()), threads_per_block, 0, stream>>>(
        sigma.data, theta.data, row_variance, column_variance, sigma.rows, sigma.cols);
    TB_GPU_CHECK_LAUNCH();
}

void launch_copy_diagonal_f64(ConstMatrixViewF64 m, double* out, cudaStream_t stream) {
    if (m.rows == 0) return;
    copy_diagonal_f64_kernel<<<grid_stride_blocks(m.rows), threads_per_block, 0, stream>>>(m.data, m.rows, out);
    TB_GPU_CHECK_LAUNCH();
}

}  // namespace tb::gpu
