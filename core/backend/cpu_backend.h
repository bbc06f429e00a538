#pragma once
// The CPU backend: host memory, OpenBLAS for dense GEMM, and hand-written OpenMP loops for everything
// else. The loops are written for the sparse-MLP training step, where the work outside the GEMMs is
// memory-bound (a 256 x 205,443 softmax, a 205,443 x 128 optimizer update): each such loop reads and
// writes every element once where it can, and runs in parallel once the work is big enough to pay for
// waking the thread team.
//
// Operations are synchronous; synchronize() has nothing to wait for. Where beta is 0 the output is
// written without being read (the BLAS convention), so it may hold garbage or NaN beforehand.

#include <cstdint>
#include <string>
#include <vector>

#include "core/backend/backend.h"
#include "core/backend/device_buffer.h"
#include "core/backend/device_memory_limit.h"

namespace tb {

class CpuBackend final : public Backend {
public:
    // thread_count 0 uses every core OpenMP reports. Several CPU workers training side by side (the
    // wall-clock executor) each pass a share, so that their teams do not oversubscribe the cores.
    // The backend holds OpenBLAS's process-wide thread count at 1 and runs every BLAS call on its own
    // team's threads (cpu_backend.cpp says why).
    // memory_limit_bytes > 0 makes allocations past it fail as a full device would (DeviceMemoryLimit).
    explicit CpuBackend(int thread_count = 0, std::size_t memory_limit_bytes = 0);

    std::string name() const override { return "cpu"; }
    std::string memory_domain() const override { return "host"; }
    // gemm (through BLAS's leading dimensions), the CSR products' dense operands and the row-wise
    // element-wise operations walk rows with their strides.
    bool supports_strided_views(Operation operation) const override;
    MemoryByCategory memory_in_use() const override { return memory_limit_.bytes_by_category(); }
    MemoryPeaks peak_memory() const override { return memory_limit_.peaks(); }
    int thread_count() const { return thread_count_; }
    const DeviceMemoryLimit& memory_limit() const { return memory_limit_; }

    void* allocate_bytes(std::size_t bytes, const char* what) override;
    void free_bytes(void* pointer) noexcept override;
    void copy_host_to_device(void* device_destination, const void* host_source, std::size_t bytes) override;
    void copy_device_to_host(void* host_destination, const void* device_source, std::size_t bytes) override;
    void copy_device_to_device(void* destination, const void* source, std::size_t bytes) override;
    void synchronize() override {}

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
    // Defined in cpu_backend_layer_norm.cpp: forward shares the rows among the team, backward fixed chunks
    // of rows whose column sums are added in chunk order, so that every result is the same on any number
    // of threads.
    void layer_norm_forward(ConstMatrixView in, const float* gain, const float* bias, float epsilon, MatrixView out,
                            float* mean, float* inverse_std) override;
    void layer_norm_backward(ConstMatrixView in, const float* mean, const float* inverse_std, const float* gain,
                             ConstMatrixView grad_out, MatrixView grad_in, float parameter_beta, float* grad_gain,
                             float* grad_bias) override;

    double sum(const float* x, std::int64_t count) override;
    double dot(const float* x, const float* y, std::int64_t count) override;
    double sum_of_squares(const float* x, std::int64_t count) override;

    // Defined in cpu_backend_losses.cpp. grad may alias logits: each row's loss is taken before its
    // gradient overwrites it.
    double softmax_cross_entropy(ConstMatrixView logits, const CsrView& labels, MatrixView grad,
                                 float grad_scale) override;
    double sigmoid_binary_cross_entropy(ConstMatrixView logits, const CsrView& labels, MatrixView grad,
                                        float grad_scale) override;

    // Defined in cpu_backend_linear_softmax.cpp: wide output layers go through blocks of output columns
    // that stay in cache from their logits to their gradients; narrow ones take the composed default.
    double linear_softmax_cross_entropy(const LinearSoftmaxStep& step) override;

    // Defined in cpu_backend_top_k.cpp.
    void weighted_sum(std::span<const float* const> sources, std::span<const double> weights, float* out,
                      std::int64_t count) override;
    void top_k(ConstMatrixView scores, int k, std::int32_t* indices) override;
    // Defined in cpu_backend_rows.cpp.
    void gather_rows(ConstMatrixView source, const std::int32_t* rows, MatrixView out) override;
    void scatter_rows(ConstMatrixView in, const std::int32_t* rows, MatrixView destination) override;
    void lazy_row_update(MatrixView records, const std::int32_t* rows, ConstMatrixView gradient,
                         const RowOptimizerSettings& settings) override;

    void sgd_update(float* weights, const float* gradient, float* velocity, std::int64_t count,
                    const SgdHyperparameters& hyper) override;
    void sgd_update_rows(MatrixView weights, const std::int32_t* rows, ConstMatrixView grad_rows, float* velocity,
                         const SgdHyperparameters& hyper) override;
    // Defined in cpu_backend_adaptive_direction.cpp: in place, on the team, norms independent of its size.
    DirectionNorms adaptive_direction(ConstMatrixView weights, const std::int32_t* rows, ConstMatrixView gradient,
                                      float* first_moment, float* second_moment, MatrixView direction,
                                      const AdaptiveDirectionParameters& parameters) override;

    // Defined in cpu_backend_float64.cpp: the team splits the rows.
    void gemm_f64(Transpose transpose_a, Transpose transpose_b, double alpha, ConstMatrixViewF64 a, ConstMatrixViewF64 b,
                  double beta, MatrixViewF64 c) override;
    void csr_times_dense_f64(const CsrView& a, const double* row_scale, ConstMatrixViewF64 b, MatrixViewF64 c) override;
    void dense_times_csr_transpose_f64(ConstMatrixViewF64 b, const CsrView& a, const double* column_scale,
                                       MatrixViewF64 c) override;
    void relu_kernel_expectation(MatrixViewF64 sigma, MatrixViewF64 theta, const double* row_variance,
                                 const double* column_variance) override;
    void copy_diagonal_f64(ConstMatrixViewF64 m, double* out) override;

private:
    // The team size for a loop over `work` elements: 1 below the size where waking the other threads
    // costs more than it saves.
    int threads_for(std::int64_t work) const;

    struct RankedColumn {
        float score;
        std::int32_t column;
    };

    int thread_count_;
    DeviceMemoryLimit memory_limit_;
    // top_k's per-thread selection space, kept between calls so that evaluation allocates only on
    // its first batch.
    std::vector<std::vector<RankedColumn>> top_k_scratch_;
    // linear_softmax_cross_entropy's working memory, kept between steps for the same reason. The arrays
    // that grow with the layer or the batch are backend allocations, so that a memory limit sees them and
    // running out of memory names them.
    struct LinearSoftmaxScratch {
        DeviceBuffer<float> block_reference;   // blocks x rows: what the block's exponentials are relative to
        DeviceBuffer<float> block_sum;         // blocks x rows: sum of exp(logit - reference)
        DeviceBuffer<float> label_weight_columns;  // one weight column (in floats) per label of the batch
        DeviceBuffer<float> input_gradient_partials;  // slabs x rows x in
        DeviceBuffer<float> block_buffers;     // one block of logits and one of the weight gradient per thread
        std::vector<float> label_logits;       // one per label of the batch
        std::vector<float> row_maximum;        // rows
        std::vector<double> row_normalizer;    // rows: sum of exp(logit - row maximum)
        std::vector<double> row_loss;          // rows
        std::vector<float> slab_reference;     // slabs x rows
    };
    LinearSoftmaxScratch linear_softmax_scratch_;
    // layer_norm_backward's column sums per chunk of rows, kept between steps like the scratch above.
    DeviceBuffer<double> layer_norm_partials_;
};

}  // namespace tb
