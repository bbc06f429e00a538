#include "gpu/cuda_backend.h"

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cusparse.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <stdexcept>

#include "core/backend/operation_shape_checks.h"
#include "core/errors.h"
#include "gpu/gpu_status_check.h"
#include "gpu/kernels/elementwise_kernels.h"
#include "gpu/kernels/reduction_and_loss_kernels.h"
#include "gpu/kernels/top_k_kernel.h"

namespace tb::gpu {
namespace {

std::string mebibytes(std::size_t bytes) {
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "%.1f", static_cast<double>(bytes) / (1024.0 * 1024.0));
    return text.data();
}

// cuBLAS takes dimensions as int.
int blas_dimension(std::int64_t value) {
    if (value > INT_MAX) throw std::invalid_argument("gemm: dimension " + std::to_string(value) + " exceeds cuBLAS int");
    return static_cast<int>(value);
}

cublasOperation_t cublas_operation(Transpose transpose) {
    return transpose == Transpose::yes ? CUBLAS_OP_T : CUBLAS_OP_N;
}

// One device array that grows on demand and keeps its contents only until it grows. Its bytes count in
// the backend's memory limit as workspace, whatever the caller's category: they outlive the call.
class ScratchArray {
public:
    ScratchArray() = default;
    ~ScratchArray() {
        if (data_ != nullptr) cudaFree(data_);
    }
    ScratchArray(const ScratchArray&) = delete;
    ScratchArray& operator=(const ScratchArray&) = delete;

    void* reserve(std::size_t bytes, const char* what, const std::string& backend_name, DeviceMemoryLimit& limit) {
        if (bytes <= capacity_) return data_;
        if (data_ != nullptr) {
            limit.release(data_);
            TB_GPU_CHECK(cudaFree(data_));
        }
        data_ = nullptr;
        capacity_ = 0;
        const MemoryCategoryScope category(MemoryCategory::workspace);
        limit.check(bytes, (std::string(what) + " scratch").c_str(), backend_name);
        if (cudaMalloc(&data_, bytes) != cudaSuccess) {
            cudaGetLastError();
            data_ = nullptr;
            throw DeviceError(backend_name + ": out of device memory allocating " + mebibytes(bytes) + " MiB of " + what +
                              " scratch");
        }
        limit.record(data_, bytes);
        capacity_ = bytes;
        return data_;
    }

private:
    void* data_ = nullptr;
    std::size_t capacity_ = 0;
};

}  // namespace

struct CudaBackend::Scratch {
    ScratchArray reduction_partials;   // doubles
    ScratchArray row_losses;           // doubles
    ScratchArray result;               // one double
    ScratchArray row_offsets;          // int32 copies of CSR row offsets
    ScratchArray spmm_workspace;       // cuSPARSE's external buffer
    double* host_result = nullptr;     // pinned, so the copy back is a plain DMA
    ~Scratch() {
        if (host_result != nullptr) cudaFreeHost(host_result);
    }
};

CudaBackend::CudaBackend(CudaBackendOptions options)
    : partition_(std::move(options.partition)),
      gpu_index_(partition_ != nullptr ? partition_->gpu_index() : options.gpu_index),
      allow_tf32_(options.allow_tf32),
      memory_limit_(options.memory_limit_bytes),
      scratch_(std::make_unique<Scratch>()),
      collective_(std::move(options.collective)) {
    int device_count = 0;
    const cudaError_t count_status = cudaGetDeviceCount(&device_count);
    if (count_status != cudaSuccess || gpu_index_ < 0 || gpu_index_ >= device_count) {
        cudaGetLastError();
        throw DeviceError("cuda:" + std::to_string(gpu_index_) + " is not available: " +
                          (count_status != cudaSuccess
                               ? std::string(cudaGetErrorName(count_status)) + " (" + cudaGetErrorString(count_status) + ")"
                               : "this machine has " + std::to_string(device_count) + " GPU(s)"));
    }
    activate();
    cudaDeviceProp properties{};
    TB_GPU_CHECK(cudaGetDeviceProperties(&properties, gpu_index_));
    sm_count_ = partition_ != nullptr ? partition_->sm_count() : properties.multiProcessorCount;
    name_ = "cuda:" + std::to_string(gpu_index_);
    if (partition_ != nullptr) name_ += " (" + std::to_string(sm_count_) + " SMs)";

    if (partition_ != nullptr) {
        stream_ = partition_->stream();
    } else {
        cudaStream_t stream = nullptr;
        TB_GPU_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
        stream_ = stream;
        owns_stream_ = true;
    }
    TB_GPU_CHECK(cublasCreate(&cublas_));
    TB_GPU_CHECK(cublasSetStream(cublas_, stream_));
    TB_GPU_CHECK(cublasSetMathMode(cublas_, allow_tf32_ ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
    TB_GPU_CHECK(cusparseCreate(&cusparse_));
    TB_GPU_CHECK(cusparseSetStream(cusparse_, stream_));
    TB_GPU_CHECK(cudaMallocHost(&scratch_->host_result, sizeof(double)));
}

CudaBackend::~CudaBackend() {
    cudaSetDevice(gpu_index_);
    if (stream_ != nullptr) cudaStreamSynchronize(stream_);
    scratch_.reset();
    if (cusparse_ != nullptr) cusparseDestroy(cusparse_);
    if (cublas_ != nullptr) cublasDestroy(cublas_);
    if (owns_stream_) cudaStreamDestroy(stream_);
}

void CudaBackend::activate() const { TB_GPU_CHECK(cudaSetDevice(gpu_index_)); }

// ---- memory ------------------------------------------------------------------------------------------

void* CudaBackend::allocate_bytes(std::size_t bytes, const char* what) {
    if (bytes == 0) return nullptr;
    memory_limit_.check(bytes, what, name_);
    activate();
    void* pointer = nullptr;
    const cudaError_t status = cudaMalloc(&pointer, bytes);
    if (status == cudaErrorMemoryAllocation) {
        cudaGetLastError();  // an allocation failure is not sticky; clear it for the next call
        std::size_t free_bytes = 0;
        std::size_t total_bytes = 0;
        cudaMemGetInfo(&free_bytes, &total_bytes);
        throw DeviceError(name_ + ": out of device memory allocating " + mebibytes(bytes) + " MiB of " +
                          to_string(MemoryCategoryScope::current()) + " for " + (what != nullptr ? what : "a buffer") +
                          " (" + mebibytes(free_bytes) + " MiB free of " + mebibytes(total_bytes) +
                          " MiB; this backend holds " + memory_limit_.in_use_text() + "); use a smaller batch or model");
    }
    TB_GPU_CHECK(status);
    memory_limit_.record(pointer, bytes);
    return pointer;
}

void CudaBackend::free_bytes(void* pointer) noexcept {
    if (pointer == nullptr) return;
    memory_limit_.release(pointer);
    cudaSetDevice(gpu_index_);
    cudaFree(pointer);  // waits for work that may still read the buffer
}

void CudaBackend::copy_host_to_device(void* device_destination, const void* host_source, std::size_t bytes) {
    if (bytes == 0) return;
    activate();
    // From pageable memory the call returns once the source was staged, so the caller may reuse it.
    TB_GPU_CHECK(cudaMemcpyAsync(device_destination, host_source, bytes, cudaMemcpyHostToDevice, stream_));
}

void CudaBackend::copy_device_to_host(void* host_destination, const void* device_source, std::size_t bytes) {
    if (bytes == 0) return;
    activate();
    TB_GPU_CHECK(cudaMemcpyAsync(host_destination, device_source, bytes, cudaMemcpyDeviceToHost, stream_));
    TB_GPU_CHECK(cudaStreamSynchronize(stream_));
}

void CudaBackend::copy_device_to_device(void* destination, const void* source, std::size_t bytes) {
    if (bytes == 0) return;
    activate();
    TB_GPU_CHECK(cudaMemcpyAsync(destination, source, bytes, cudaMemcpyDeviceToDevice, stream_));
}

void CudaBackend::synchronize() {
    activate();
    TB_GPU_CHECK(cudaStreamSynchronize(stream_));
}

double CudaBackend::read_result() {
    auto* result = static_cast<double*>(scratch_->result.reserve(sizeof(double), "result", name_, memory_limit_));
    TB_GPU_CHECK(cudaMemcpyAsync(scratch_->host_result, result, sizeof(double), cudaMemcpyDeviceToHost, stream_));
    TB_GPU_CHECK(cudaStreamSynchronize(stream_));
    return *scratch_->host_result;
}

// ---- linear algebra ----------------------------------------------------------------------------------

void CudaBackend::gemm(Transpose transpose_a, Transpose transpose_b, float alpha, ConstMatrixView a,
                       ConstMatrixView b, float beta, MatrixView c) {
    check_gemm_shapes(transpose_a, transpose_b, a, b, c);
    const std::int64_t inner = transpose_a == Transpose::yes ? a.rows : a.cols;
    if (c.size() == 0) return;
    activate();
    if (inner == 0) {
        if (c.is_contiguous()) {
            launch_scale(c.data, c.size(), beta, stream_);
        } else {
            // A strided c with no inner dimension: rare enough that a launch per row costs nothing worth a kernel.
            for (std::int64_t row = 0; row < c.rows; ++row) {
                launch_scale(c.data + row * c.row_stride(), c.cols, beta, stream_);
            }
        }
        return;
    }
    // cuBLAS is column-major. A row-major matrix read column-major is its transpose, so the row-major
    // c = op(a) op(b) is computed as the column-major c^T = op(b)^T op(a)^T: swap the operands and
    // keep each one's transpose flag. The leading dimensions are the stored row strides (the column
    // counts of contiguous matrices; a column block of a wider matrix passes the wider one's).
    TB_GPU_CHECK(cublasSgemm(cublas_, cublas_operation(transpose_b), cublas_operation(transpose_a),
                             blas_dimension(c.cols), blas_dimension(c.rows), blas_dimension(inner), &alpha, b.data,
                             blas_dimension(b.row_stride()), a.data, blas_dimension(a.row_stride()), &beta, c.data,
                             blas_dimension(c.row_stride())));
}

const std::int32_t* CudaBackend::narrowed_row_offsets(const CsrView& a) {
    if (a.nnz > INT_MAX || a.rows > INT_MAX || a.cols > INT_MAX) {
        throw std::invalid_argument(name_ + ": a sparse batch of " + std::to_string(a.nnz) +
                                    " non-zeros exceeds cuSPARSE's 32-bit indices; use a smaller batch");
    }
    const std::int64_t count = a.rows + 1;
    auto* narrowed = static_cast<std::int32_t*>(scratch_->row_offsets.reserve(
        static_cast<std::size_t>(count) * sizeof(std::int32_t), "CSR row offsets", name_, memory_limit_));
    launch_narrow_offsets(a.row_offsets, narrowed, count, stream_);
    return narrowed;
}

void CudaBackend::sparse_times_dense(bool transpose_a, float alpha, const CsrView& a, ConstMatrixView b, float beta,
                                     MatrixView c) {
    if (c.size() == 0) return;
    activate();
    if (beta == 0.0f) {
        // The BLAS reading of beta == 0 (c is not read) is not promised by cuSPARSE: clear c first, so
        // stale NaNs in a reused buffer cannot leak through 0 * NaN.
        TB_GPU_CHECK(cudaMemsetAsync(c.data, 0, static_cast<std::size_t>(c.size()) * sizeof(float), stream_));
    }
    if (a.nnz == 0 || b.size() == 0) {
        if (beta != 0.0f) launch_scale(c.data, c.size(), beta, stream_);
        return;
    }
    // cuSPARSE wants one index width for both arrays; CsrView keeps 64-bit row offsets and 32-bit
    // column indices, so the offsets (rows + 1 of them) are narrowed into scratch.
    const std::int32_t* offsets = narrowed_row_offsets(a);
    cusparseConstSpMatDescr_t sparse = nullptr;
    cusparseConstDnMatDescr_t dense = nullptr;
    cusparseDnMatDescr_t output = nullptr;
    TB_GPU_CHECK(cusparseCreateConstCsr(&sparse, a.rows, a.cols, a.nnz, offsets, a.column_indices, a.values,
                                        CUSPARSE_INDEX_32I, CUSPARSE_INDEX_32I, CUSPARSE_INDEX_BASE_ZERO, CUDA_R_32F));
    // Row-major dense operands: ld is the column count.
    TB_GPU_CHECK(cusparseCreateConstDnMat(&dense, b.rows, b.cols, b.cols, b.data, CUDA_R_32F, CUSPARSE_ORDER_ROW));
    TB_GPU_CHECK(cusparseCreateDnMat(&output, c.rows, c.cols, c.cols, c.data, CUDA_R_32F, CUSPARSE_ORDER_ROW));
    const cusparseOperation_t operation =
        transpose_a ? CUSPARSE_OPERATION_TRANSPOSE : CUSPARSE_OPERATION_NON_TRANSPOSE;
    std::size_t workspace_bytes = 0;
    try {
        TB_GPU_CHECK(cusparseSpMM_bufferSize(cusparse_, operation, CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha, sparse,
                                             dense, &beta, output, CUDA_R_32F, CUSPARSE_SPMM_ALG_DEFAULT,
                                             &workspace_bytes));
        void* workspace = scratch_->spmm_workspace.reserve(std::max<std::size_t>(workspace_bytes, 1),
                                                           "cuSPARSE SpMM workspace", name_, memory_limit_);
        TB_GPU_CHECK(cusparseSpMM(cusparse_, operation, CUSPARSE_OPERATION_NON_TRANSPOSE, &alpha, sparse, dense,
                                  &beta, output, CUDA_R_32F, CUSPARSE_SPMM_ALG_DEFAULT, workspace));
    } catch (...) {
        cusparseDestroySpMat(sparse);
        cusparseDestroyDnMat(dense);
        cusparseDestroyDnMat(output);
        throw;
    }
    TB_GPU_CHECK(cusparseDestroySpMat(sparse));
    TB_GPU_CHECK(cusparseDestroyDnMat(dense));
    TB_GPU_CHECK(cusparseDestroyDnMat(output));
}

void CudaBackend::csr_times_dense(float alpha, const CsrView& a, ConstMatrixView b, float beta, MatrixView c) {
    check_csr_times_dense_shapes(a, b, c);
    check_contiguous("csr_times_dense", "b", b);
    check_contiguous("csr_times_dense", "c", c);
    sparse_times_dense(false, alpha, a, b, beta, c);
}

void CudaBackend::csr_transpose_times_dense(float alpha, const CsrView& a, ConstMatrixView b, float beta,
                                            MatrixView c) {
    check_csr_transpose_times_dense_shapes(a, b, c);
    check_contiguous("csr_transpose_times_dense", "b", b);
    check_contiguous("csr_transpose_times_dense", "c", c);
    sparse_times_dense(true, alpha, a, b, beta, c);
}

// ---- element-wise -------------------------------------------------------------------------------------

void CudaBackend::fill(float* x, std::int64_t count, float value) {
    check_array("fill", "x", x, count);
    activate();
    launch_fill(x, count, value, stream_);
}

void CudaBackend::scale(float* x, std::int64_t count, float alpha) {
    check_array("scale", "x", x, count);
    activate();
    launch_scale(x, count, alpha, stream_);
}

void CudaBackend::axpby(float alpha, const float* x, float beta, float* y, std::int64_t count) {
    check_array("axpby", "x", x, count);
    check_array("axpby", "y", y, count);
    activate();
    launch_axpby(alpha, x, beta, y, count, stream_);
}

void CudaBackend::add_row_vector(MatrixView m, const float* row_vector) {
    check_add_row_vector_arguments(m, row_vector);
    check_contiguous("add_row_vector", "m", m);
    activate();
    launch_add_row_vector(m, row_vector, stream_);
}

void CudaBackend::column_sums(float alpha, ConstMatrixView m, float beta, float* out) {
    check_column_sums_arguments(m, out);
    check_contiguous("column_sums", "m", m);
    activate();
    launch_column_sums(alpha, m, beta, out, stream_);
}

void CudaBackend::row_dot(float alpha, ConstMatrixView a, ConstMatrixView b, float beta, float* out) {
    check_row_dot_arguments(a, b, out);
    check_contiguous("row_dot", "a", a);
    check_contiguous("row_dot", "b", b);
    activate();
    launch_row_dot(alpha, a, b, beta, out, stream_);
}

void CudaBackend::scale_rows(ConstMatrixView in, const float* scale, float beta, MatrixView out) {
    check_scale_rows_arguments(in, scale, out);
    check_contiguous("scale_rows", "in", in);
    check_contiguous("scale_rows", "out", out);
    activate();
    launch_scale_rows(in, scale, beta, out, stream_);
}

void CudaBackend::relu_forward(ConstMatrixView in, MatrixView out) {
    check_same_shape("relu_forward", in, out);
    check_contiguous("relu_forward", "in", in);
    check_contiguous("relu_forward", "out", out);
    activate();
    launch_relu_forward(in.data, out.data, in.size(), stream_);
}

void CudaBackend::relu_backward(ConstMatrixView activation, ConstMatrixView grad_out, MatrixView grad_in) {
    check_same_shape("relu_backward", activation, grad_out);
    check_same_shape("relu_backward", activation, grad_in);
    check_contiguous("relu_backward", "activation", activation);
    check_contiguous("relu_backward", "grad_out", grad_out);
    check_contiguous("relu_backward", "grad_in", grad_in);
    activate();
    launch_relu_backward(activation.data, grad_out.data, grad_in.data, activation.size(), stream_);
}

void CudaBackend::dropout_forward(ConstMatrixView in, MatrixView out, float* mask, float rate, std::uint64_t seed,
                                  std::uint64_t stream_offset) {
    check_dropout_arguments(in, out, mask, rate);
    check_contiguous("dropout_forward", "in", in);
    check_contiguous("dropout_forward", "out", out);
    activate();
    launch_dropout_forward(in.data, out.data, mask, in.size(), rate, seed, stream_offset, stream_);
}

void CudaBackend::dropout_backward(ConstMatrixView grad_out, const float* mask, MatrixView grad_in) {
    check_same_shape("dropout_backward", grad_out, grad_in);
    check_array("dropout_backward", "mask", mask, grad_out.size());
    check_contiguous("dropout_backward", "grad_out", grad_out);
    check_contiguous("dropout_backward", "grad_in", grad_in);
    activate();
    launch_multiply(grad_out.data, mask, grad_in.data, grad_out.size(), stream_);
}

// ---- reductions -------------------------------------------------------------------------------------

double CudaBackend::reduce(ReducedTerm term, const float* x, const float* y, std::int64_t count) {
    activate();
    auto* partials = static_cast<double*>(scratch_->reduction_partials.reserve(
        static_cast<std::size_t>(reduction_scratch_size(count)) * sizeof(double), "reduction", name_, memory_limit_));
    auto* result = static_cast<double*>(scratch_->result.reserve(sizeof(double), "result", name_, memory_limit_));
    launch_reduction(term, x, y, count, partials, result, stream_);
    return read_result();
}

double CudaBackend::sum(const float* x, std::int64_t count) {
    check_array("sum", "x", x, count);
    return reduce(ReducedTerm::value, x, nullptr, count);
}

double CudaBackend::dot(const float* x, const float* y, std::int64_t count) {
    check_array("dot", "x", x, count);
    check_array("dot", "y", y, count);
    return reduce(ReducedTerm::product, x, y, count);
}

double CudaBackend::sum_of_squares(const float* x, std::int64_t count) {
    check_array("sum_of_squares", "x", x, count);
    return reduce(ReducedTerm::square, x, nullptr, count);
}

// ---- losses ------------------------------------------------------------------------------------------

double CudaBackend::softmax_cross_entropy(ConstMatrixView logits, const CsrView& labels, MatrixView grad,
                                          float grad_scale) {
    check_loss_shapes("softmax_cross_entropy", logits, labels, grad);
    activate();
    auto* row_losses = static_cast<double*>(scratch_->row_losses.reserve(
        static_cast<std::size_t>(std::max<std::int64_t>(logits.rows, 1)) * sizeof(double), "per-row loss", name_, memory_limit_));
    auto* result = static_cast<double*>(scratch_->result.reserve(sizeof(double), "result", name_, memory_limit_));
    launch_softmax_cross_entropy(logits, labels, grad, grad_scale, row_losses, result, stream_);
    return read_result();
}

double CudaBackend::sigmoid_binary_cross_entropy(ConstMatrixView logits, const CsrView& labels, MatrixView grad,
                                                 float grad_scale) {
    check_loss_shapes("sigmoid_binary_cross_entropy", logits, labels, grad);
    activate();
    auto* row_losses = static_cast<double*>(scratch_->row_losses.reserve(
        static_cast<std::size_t>(std::max<std::int64_t>(logits.rows, 1)) * sizeof(double), "per-row loss", name_, memory_limit_));
    auto* result = static_cast<double*>(scratch_->result.reserve(sizeof(double), "result", name_, memory_limit_));
    launch_sigmoid_binary_cross_entropy(logits, labels, grad, grad_scale, row_losses, result, stream_);
    return read_result();
}

// ---- ranking and optimizer updates -----------------------------------------------------------------------

void CudaBackend::top_k(ConstMatrixView scores, int k, std::int32_t* indices) {
    check_top_k_arguments(scores, k, indices);
    activate();
    launch_top_k(scores, k, indices, stream_);
}

void CudaBackend::sgd_update(float* weights, const float* gradient, float* velocity, std::int64_t count,
                             const SgdHyperparameters& hyper) {
    check_sgd_arguments(weights, gradient, velocity, count, hyper);
    activate();
    launch_sgd_update(weights, gradient, velocity, count, hyper, stream_);
}

void CudaBackend::sgd_update_rows(MatrixView weights, const std::int32_t* rows, ConstMatrixView grad_rows,
                                  float* velocity, const SgdHyperparameters& hyper) {
    check_sgd_rows_arguments(weights, rows, grad_rows, velocity, hyper);
    activate();
    launch_sgd_update_rows(weights, rows, grad_rows, velocity, hyper, stream_);
}

void CudaBackend::weighted_sum(std::span<const float* const> sources, std::span<const double> weights, float* out,
                               std::int64_t count) {
    check_weighted_sum_arguments(sources, weights, out, count);
    activate();
    launch_weighted_sum(sources.data(), weights.data(), static_cast<int>(sources.size()), out, count, stream_);
}

}  // namespace tb::gpu
