#pragma once
// The CUDA backend: core's Backend on one GPU, or on one green-context partition of a GPU. Device
// memory comes from plain cudaMalloc (no managed memory) and is owned through core's DeviceBuffer;
// every operation is enqueued on the backend's own stream: one stream per worker, so workers sharing a
// GPU overlap. Dense products go to cuBLAS (FP32, or TF32 tensor cores when asked), the sparse input
// layer and its transpose product to cuSPARSE SpMM, and everything else to the kernels in gpu/kernels/.
//
// Operations that return a host value (reductions, losses) and copies to the host synchronize the
// stream; everything else is asynchronous. Argument checks are core's (operation_shape_checks.h), so
// the CPU and CUDA backends reject the same calls with the same messages.
//
// Plain C++ header: callers need no CUDA headers.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/backend/backend.h"
#include "core/backend/device_buffer.h"
#include "core/backend/device_collective.h"
#include "core/backend/device_memory_limit.h"
#include "gpu/green_context_partition.h"

struct CUstream_st;
struct cublasContext;
struct cusparseContext;

namespace tb::gpu {

enum class ReducedTerm;  // gpu/kernels/reduction_and_loss_kernels.h

struct CudaBackendOptions {
    int gpu_index = 0;
    // TF32 tensor cores for the GEMMs (10-bit mantissa products, FP32 accumulation).
    bool allow_tf32 = false;
    // > 0: allocations past this many bytes fail as if the GPU were that small (a device's memory_limit_gb).
    std::size_t memory_limit_bytes = 0;
    // A green-context partition to run on; null runs on the whole GPU.
    std::unique_ptr<GreenContext> partition;
    // What joins this GPU with the fleet's other GPUs (an NcclDeviceCollective shared by the fleet's
    // backends); null leaves multi-GPU fleets to combine through host memory.
    std::shared_ptr<DeviceCollective> collective;
};

class CudaBackend final : public Backend {
public:
    // Throws DeviceError when the GPU does not exist or cannot be initialised.
    explicit CudaBackend(CudaBackendOptions options);
    ~CudaBackend() override;

    std::string name() const override { return name_; }
    // "cuda:<index>" for the whole GPU and for every partition of it: partitions share its memory.
    std::string memory_domain() const override { return "cuda:" + std::to_string(gpu_index_); }
    // gemm (cuBLAS takes leading dimensions) and the row copies (their kernels index by row stride). The
    // element-wise kernels index flat arrays and cuSPARSE's dense operands are created contiguous, so
    // those operations reject strided views.
    bool supports_strided_views(Operation operation) const override {
        return operation == Operation::gemm || operation == Operation::gather_rows || operation == Operation::scatter_rows;
    }
    DeviceCollective* device_collective() const override { return collective_.get(); }
    MemoryByCategory memory_in_use() const override { return memory_limit_.bytes_by_category(); }
    MemoryPeaks peak_memory() const override { return memory_limit_.peaks(); }
    int gpu_index() const { return gpu_index_; }
    // SMs this backend's work runs on: the partition's, or the whole GPU's.
    int sm_count() const { return sm_count_; }
    bool allows_tf32() const { return allow_tf32_; }
    // The stream every operation is enqueued on (a cudaStream_t).
    CUstream_st* stream() const { return stream_; }

    void* allocate_bytes(std::size_t bytes, const char* what) override;
    void free_bytes(void* pointer) noexcept override;
    void copy_host_to_device(void* device_destination, const void* host_source, std::size_t bytes) override;
    void copy_device_to_host(void* host_destination, const void* device_source, std::size_t bytes) override;
    void copy_device_to_device(void* destination, const void* source, std::size_t bytes) override;
    void synchronize() override;

    void gemm(Transpose transpose_a, Transpose transpose_b, float alpha, ConstMatrixView a, ConstMatrixView b,
              float beta, MatrixView c) override;
    void csr_times_dense(float alpha, const CsrView& a, ConstMatrixView b, float beta, MatrixView c) override;
    void csr_transpose_times_dense(float alpha, const CsrView& a, ConstMatrixView b, float beta,
                                   MatrixView c) override;

    void fill(float* x, std::int64_t count, float value) override;
    void scale(float* x, std::int64_t count, float alpha) override;
    void axpby(float alpha, const float* x, float beta, float* y, std::int64_t count) override;
    void add_row_vector(MatrixView m, const float* row_vector) override;
    void column_sums(float alpha, ConstMatrixView m, float beta, float* out) override;
    void row_dot(float alpha, ConstMatrixView a, ConstMatrixView b, float beta, float* out) override;
    void scale_rows(ConstMatrixView in, const float* scale, float beta, MatrixView out) override;
    void relu_forward(ConstMatrixView in, MatrixView out) override;
    void relu_backward(ConstMatrixView activation, ConstMatrixView grad_out, MatrixView grad_in) override;
    void dropout_forward(ConstMatrixView in, MatrixView out, float* mask, float rate, std::uint64_t seed,
                         std::uint64_t stream_offset) override;
    void dropout_backward(ConstMatrixView grad_out, const float* mask, MatrixView grad_in) override;
    // Defined in cuda_backend_layer_norm.cpp: a warp per row (gpu/kernels/layer_norm_kernels.cu).
    void layer_norm_forward(ConstMatrixView in, const float* gain, const float* bias, float epsilon, MatrixView out,
                            float* mean, float* inverse_std) override;
    void layer_norm_backward(ConstMatrixView in, const float* mean, const float* inverse_std, const float* gain,
                             ConstMatrixView grad_out, MatrixView grad_in, float parameter_beta, float* grad_gain,
                             float* grad_bias) override;

    double sum(const float* x, std::int64_t count) override;
    double dot(const float* x, const float* y, std::int64_t count) override;
    double sum_of_squares(const float* x, std::int64_t count) override;

    double softmax_cross_entropy(ConstMatrixView logits, const CsrView& labels, MatrixView grad,
                                 float grad_scale) override;
    double sigmoid_binary_cross_entropy(ConstMatrixView logits, const CsrView& labels, MatrixView grad,
                                        float grad_scale) override;

    void top_k(ConstMatrixView scores, int k, std::int32_t* indices) override;
    // Defined in cuda_backend_rows.cpp.
    void gather_rows(ConstMatrixView source, const std::int32_t* rows, MatrixView out) override;
    void scatter_rows(ConstMatrixView in, const std::int32_t* rows, MatrixView destination) override;
    void lazy_row_update(MatrixView records, const std::int32_t* rows, ConstMatrixView gradient,
                         const RowOptimizerSettings& settings) override;

    void sgd_update(float* weights, const float* gradient, float* velocity, std::int64_t count,
                    const SgdHyperparameters& hyper) override;
    void sgd_update_rows(MatrixView weights, const std::int32_t* rows, ConstMatrixView grad_rows, float* velocity,
                         const SgdHyperparameters& hyper) override;
    // Defined in cuda_backend_adaptive_direction.cpp: one fused kernel, the norms summed in double on the
    // device in a fixed order.
    DirectionNorms adaptive_direction(ConstMatrixView weights, const std::int32_t* rows, ConstMatrixView gradient,
                                      float* first_moment, float* second_moment, MatrixView direction,
                                      const AdaptiveDirectionParameters& parameters) override;

    void weighted_sum(std::span<const float* const> sources, std::span<const double> weights, float* out,
                      std::int64_t count) override;

    // Defined in cuda_backend_float64.cpp: Dgemm and one thread per output element
    // (gpu/kernels/float64_kernels.cu).
    void gemm_f64(Transpose transpose_a, Transpose transpose_b, double alpha, ConstMatrixViewF64 a, ConstMatrixViewF64 b,
                  double beta, MatrixViewF64 c) override;
    void csr_times_dense_f64(const CsrView& a, const double* row_scale, ConstMatrixViewF64 b, MatrixViewF64 c) override;
    void dense_times_csr_transpose_f64(ConstMatrixViewF64 b, const CsrView& a, const double* column_scale,
                                       MatrixViewF64 c) override;
    void relu_kernel_expectation(MatrixViewF64 sigma, MatrixViewF64 theta, const double* row_variance,
                                 const double* column_variance) override;
    void copy_diagonal_f64(ConstMatrixViewF64 m, double* out) override;

private:
    // Growable device scratch reused call after call, so steady-state training allocates nothing.
    struct Scratch;

    // Makes this backend's GPU current on the calling thread (workers may run on any thread).
    void activate() const;
    double read_result();
    double reduce(ReducedTerm term, const float* x, const float* y, std::int64_t count);
    // The sparse operand of an SpMM with 32-bit row offsets, narrowed into scratch.
    const std::int32_t* narrowed_row_offsets(const CsrView& a);
    void sparse_times_dense(bool transpose_a, float alpha, const CsrView& a, ConstMatrixView b, float beta,
                            MatrixView c);

    // Declared first, destroyed last: the handles and the stream live inside the partition's context.
    std::unique_ptr<GreenContext> partition_;
    int gpu_index_;
    int sm_count_ = 0;
    bool allow_tf32_;
    DeviceMemoryLimit memory_limit_;
    std::string name_;
    CUstream_st* stream_ = nullptr;
    bool owns_stream_ = false;
    cublasContext* cublas_ = nullptr;
    cusparseContext* cusparse_ = nullptr;
    std::unique_ptr<Scratch> scratch_;
    std::shared_ptr<DeviceCollective> collective_;
    // adaptive_direction's block sums and pinned result, made on its first call. A shared_ptr fixes its
    // deleter where it is made (cuda_backend_adaptive_direction.cpp), so the type stays private to that file.
    struct AdaptiveDirectionScratch;
    std::shared_ptr<AdaptiveDirectionScratch> adaptive_direction_scratch_;
    // layer_norm_backward's per-chunk column sums, grown on demand. Declared last, so it is freed first,
    // while the memory limit that counts it still exists.
    DeviceBuffer<double> layer_norm_partials_;
};

}  // namespace tb::gpu
