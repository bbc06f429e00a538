#pragma once
// The Backend: one instance per device. It owns the device's memory, streams and library handles and
// offers the operations the layers, losses, metrics and optimizers are written in. The CPU backend
// (core/backend/cpu_backend.h) and the CUDA backend (gpu/) implement it, and both pass the same
// conformance suite (tests/core/test_backend_conformance.cpp) against a double-precision reference.
//
// Conventions: matrices are row-major, contiguous unless supports_strided_views says otherwise; every
// operation is asynchronous on the backend's stream unless it returns a host value (those synchronize);
// views must belong to this backend. Where beta is 0 the
// output is written without being read (the BLAS convention), so it may hold garbage or NaN before. A
// pointer to zero elements may be null. Row lists (the row-sparse operations) hold distinct rows: two
// entries for one row would race on a parallel backend.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "core/backend/memory_category.h"
#include "core/backend/operations.h"
#include "core/backend/row_optimizer.h"
#include "core/backend/views.h"

namespace tb {

class DeviceCollective;

enum class Transpose { no, yes };

struct SgdHyperparameters {
    float learning_rate = 0.1f;
    float momentum = 0.0f;
    float weight_decay = 0.0f;
    bool nesterov = false;
};

// What adaptive_direction computes for Adam, AdamW, LAMB and LARS (see there).
struct AdaptiveDirectionParameters {
    float gradient_scale = 1.0f;           // global-norm clipping folds in here
    float l2_weight_decay = 0.0f;          // added to the gradient, before the moments (Adam's L2)
    float decoupled_weight_decay = 0.0f;   // added to the direction (AdamW, LAMB, LARS)
    bool moments = true;                   // false: no moments, the direction is the decayed gradient (LARS)
    float beta1 = 0.9f;
    float beta2 = 0.999f;
    float epsilon = 1e-6f;
    float first_moment_correction = 1.0f;   // 1 / (1 - beta1^t) with bias correction, else 1
    float second_moment_correction = 1.0f;  // 1 / (1 - beta2^t) with bias correction, else 1
};

// The operands of linear_softmax_cross_entropy: a dense output layer (logits = input weight + bias) trained
// with the softmax cross-entropy loss.
struct LinearSoftmaxStep {
    ConstMatrixView input;        // batch x in: what the layer reads
    ConstMatrixView weight;       // in x outputs
    const float* bias = nullptr;  // outputs
    CsrView labels;               // batch x outputs
    float grad_scale = 1.0f;
    MatrixView scratch;           // batch x outputs of the caller's memory, overwritten
    MatrixView grad_weight;       // in x outputs, overwritten
    float* grad_bias = nullptr;   // outputs, overwritten
    MatrixView grad_input;        // batch x in, overwritten; data null when nobody needs it (a first layer)
};

// Squared Euclidean norms over the elements adaptive_direction touched.
struct DirectionNorms {
    double weights = 0;    // of w
    double gradient = 0;   // of gradient_scale * g (before any weight decay)
    double direction = 0;  // of d
};

class Backend {
public:
    virtual ~Backend() = default;
    Backend() = default;
    Backend(const Backend&) = delete;
    Backend& operator=(const Backend&) = delete;

    // "cpu" or "cuda:<index>" (with the partition when there is one).
    virtual std::string name() const = 0;

    // Whether this backend runs `operation` (the list is core/backend/operations.h). Every operation
    // without a composed default is pure virtual below, so a concrete backend has them all and the answer
    // is true; an operation added later with a default that refuses is claimed by overriding this, and
    // require_operation (core/backend/operation_support.h) turns a missing one into a config-time error.
    virtual bool supports(Operation operation) const {
        static_cast<void>(operation);
        return true;
    }

    // Whether `operation` honours strided matrix views (views.h: a leading dimension above the column
    // count, such as a block of columns of a wider matrix). An operation that does not rejects them in
    // its shape checks with std::invalid_argument (check_contiguous in operation_shape_checks.h) instead
    // of reading the wrong elements. The conformance suite checks both answers.
    virtual bool supports_strided_views(Operation operation) const {
        static_cast<void>(operation);
        return false;
    }

    // ---- memory ------------------------------------------------------------------------------
    // Backends that report the same non-empty domain read and write one another's buffers with their
    // own operations: "host" for CPU backends, "cuda:<index>" for a GPU and every green-context
    // partition of it. The fleet combines such replicas in place (core/fleet/fleet_memory_plan.h).
    // Empty: this backend's memory is reachable only through its copies.
    virtual std::string memory_domain() const { return {}; }
    // A collective that joins this backend's device with other devices of its family (NCCL across the
    // GPUs of a CUDA fleet); null when the family offers none. It lives at least as long as the backend.
    virtual DeviceCollective* device_collective() const { return nullptr; }

    // The bytes this backend's allocations hold now, by what they are for (memory_category.h). A backend
    // that does not count its allocations answers zeros.
    virtual MemoryByCategory memory_in_use() const { return {}; }
    // The most bytes its allocations held at once, per category and in all, since the backend was made.
    virtual MemoryPeaks peak_memory() const { return {}; }

    // Throws DeviceError naming `what` and the size when the device cannot hold it.
    virtual void* allocate_bytes(std::size_t bytes, const char* what) = 0;
    virtual void free_bytes(void* pointer) noexcept = 0;
    virtual void copy_host_to_device(void* device_destination, const void* host_source, std::size_t bytes) = 0;
    virtual void copy_device_to_host(void* host_destination, const void* device_source, std::size_t bytes) = 0;
    virtual void copy_device_to_device(void* destination, const void* source, std::size_t bytes) = 0;
    virtual void synchronize() = 0;

    // ---- linear algebra -----------------------------------------------------------------------
    // c = alpha * op(a) * op(b) + beta * c
    virtual void gemm(Transpose transpose_a, Transpose transpose_b, float alpha, ConstMatrixView a,
                      ConstMatrixView b, float beta, MatrixView c) = 0;
    // c = alpha * a * b + beta * c, with a sparse (m x k) and b dense (k x n): the sparse input layer.
    virtual void csr_times_dense(float alpha, const CsrView& a, ConstMatrixView b, float beta, MatrixView c) = 0;
    // c = alpha * transpose(a) * b + beta * c, with a sparse (m x k), b dense (m x n), c (k x n): the
    // sparse layer's weight gradient, computed on a batch whose columns were compacted to the touched
    // feature rows so that c holds only those rows.
    virtual void csr_transpose_times_dense(float alpha, const CsrView& a, ConstMatrixView b, float beta,
                                           MatrixView c) = 0;

    // ---- element-wise ---------------------------------------------------------------------------
    virtual void fill(float* x, std::int64_t count, float value) = 0;
    virtual void scale(float* x, std::int64_t count, float alpha) = 0;
    // y = alpha * x + beta * y
    virtual void axpby(float alpha, const float* x, float beta, float* y, std::int64_t count) = 0;
    // m[r, :] += row_vector for every row r
    virtual void add_row_vector(MatrixView m, const float* row_vector) = 0;
    // out = alpha * (sum over rows of m) + beta * out; out has m.cols entries (the bias gradient)
    virtual void column_sums(float alpha, ConstMatrixView m, float beta, float* out) = 0;
    // out[r] = alpha * <a[r, :], b[r, :]> + beta * out[r], summed in double in column order; a and b of one
    // shape, out of a.rows entries (per-row interactions: FM's second-order term, the cross layer)
    virtual void row_dot(float alpha, ConstMatrixView a, ConstMatrixView b, float beta, float* out) = 0;
    // out[r, :] = scale[r] * in[r, :] + beta * out[r, :]; in and out of one shape and may alias; with beta 0
    // out is written without being read
    virtual void scale_rows(ConstMatrixView in, const float* scale, float beta, MatrixView out) = 0;
    // out = max(in, 0); in and out may alias
    virtual void relu_forward(ConstMatrixView in, MatrixView out) = 0;
    // grad_in = grad_out where activation > 0, else 0; grad_out and grad_in may alias
    virtual void relu_backward(ConstMatrixView activation, ConstMatrixView grad_out, MatrixView grad_in) = 0;
    // Inverted dropout, rate in [0, 1): keep each element with probability 1 - rate and scale it by
    // 1 / (1 - rate).
    // The mask is a pure function of (seed, stream_offset + element index), so every backend draws the
    // same mask. mask receives the per-element factor (0 or 1 / (1 - rate)); in and out may alias.
    virtual void dropout_forward(ConstMatrixView in, MatrixView out, float* mask, float rate, std::uint64_t seed,
                                 std::uint64_t stream_offset) = 0;
    // grad_in = grad_out * mask; they may alias
    virtual void dropout_backward(ConstMatrixView grad_out, const float* mask, MatrixView grad_in) = 0;

    // ---- normalization ----------------------------------------------------------------------------
    // Layer normalization (Ba, Kiros and Hinton, 2016) of every row r of in (rows x cols, cols >= 1), with
    // a gain and a bias per column:
    //   mean_r = sum_j in_rj / cols,   variance_r = sum_j (in_rj - mean_r)^2 / cols   (the biased variance)
    //   inverse_std_r = 1 / sqrt(variance_r + epsilon),   epsilon > 0
    //   out_rj = gain_j (in_rj - m_r) s_r + bias_j, with m_r and s_r mean_r and inverse_std_r rounded to float
    // mean and inverse_std (rows floats each) receive m_r and s_r for layer_norm_backward, which then sees
    // the very normalized values forward used. The statistics are summed in double: in float, a sum over a
    // row of n columns may be off by n roundings, and every output of the row would inherit that error
    // through s_r. in and out may be the same matrix. Contiguous matrices only, on every backend.
    virtual void layer_norm_forward(ConstMatrixView in, const float* gain, const float* bias, float epsilon,
                                    MatrixView out, float* mean, float* inverse_std) = 0;
    // The gradients of layer_norm_forward from grad_out (rows x cols), its input and the mean and
    // inverse_std it saved. With xhat_rj = (in_rj - mean_r) inverse_std_r and g_rj = grad_out_rj gain_j:
    //   grad_in_rj = inverse_std_r (g_rj - sum_k g_rk / cols - xhat_rj sum_k g_rk xhat_rk / cols)
    //   grad_gain_j = sum_r grad_out_rj xhat_rj + parameter_beta grad_gain_j
    //   grad_bias_j = sum_r grad_out_rj + parameter_beta grad_bias_j
    // The row sums and the column sums are taken in double. parameter_beta is 0 for a parameter's first
    // gradient of a backward pass (written without being read) and 1 where tied parameters add to it
    // (nn::BackwardPass::claim). Each output is optional: grad_in.data null skips the input gradient,
    // grad_gain and grad_bias null skip the parameter gradients (both or neither). grad_in may be
    // grad_out itself. Contiguous matrices only, on every backend.
    virtual void layer_norm_backward(ConstMatrixView in, const float* mean, const float* inverse_std,
                                     const float* gain, ConstMatrixView grad_out, MatrixView grad_in,
                                     float parameter_beta, float* grad_gain, float* grad_bias) = 0;

    // ---- reductions (synchronize; each element converted to double before it is multiplied or added)
    virtual double sum(const float* x, std::int64_t count) = 0;
    virtual double dot(const float* x, const float* y, std::int64_t count) = 0;
    virtual double sum_of_squares(const float* x, std::int64_t count) = 0;

    // ---- losses (synchronize; return the sum of the per-row losses) ---------------------------
    // Softmax cross-entropy against the normalized label vector: a row with labels L has target 1/|L|
    // on each label. Rows without labels add no loss and get a zero gradient. When grad.data is not
    // null, grad = grad_scale * (softmax(logits) - target). grad may be the logits themselves (the
    // training step writes the gradient over them); the same holds for the sigmoid loss.
    virtual double softmax_cross_entropy(ConstMatrixView logits, const CsrView& labels, MatrixView grad,
                                         float grad_scale) = 0;
    // Sigmoid binary cross-entropy, target 1 on each label and 0 elsewhere, summed over all columns.
    // When grad.data is not null, grad = grad_scale * (sigmoid(logits) - target).
    virtual double sigmoid_binary_cross_entropy(ConstMatrixView logits, const CsrView& labels, MatrixView grad,
                                                float grad_scale) = 0;

    // ---- a softmax output layer's training step ---------------------------------------------------
    // With logits = input weight + bias and G = grad_scale * (softmax(logits) - target), the target as in
    // softmax_cross_entropy: writes grad_weight = input^T G, grad_bias = the column sums of G and, when
    // grad_input.data is not null, grad_input = G weight^T; returns the summed loss. scratch holds the
    // logits and G in whatever layout the backend likes; afterwards its contents are unspecified.
    // Synchronizes. The default composes gemm, add_row_vector, softmax_cross_entropy and column_sums
    // (core/backend/linear_softmax_cross_entropy.cpp); a backend overrides it where one pass over blocks
    // of output columns saves memory traffic.
    virtual double linear_softmax_cross_entropy(const LinearSoftmaxStep& step);

    // ---- merging -------------------------------------------------------------------------------
    // out = sum_i weights[i] * sources[i] over `count` floats, each element's products summed in double
    // in the order of the sources and rounded to float once, so the result does not depend on how the
    // backend splits the work and equals a host merge's double sum. out may be one of the sources. A
    // source may belong to any backend of this one's memory domain (memory_domain()). Between 1 and
    // max_weighted_sum_sources sources. The model merge of replicas that share memory
    // (core/fleet/replica_merge.h).
    static constexpr int max_weighted_sum_sources = 32;
    virtual void weighted_sum(std::span<const float* const> sources, std::span<const double> weights, float* out,
                              std::int64_t count) = 0;

    // ---- ranking -------------------------------------------------------------------------------
    // indices (rows x k, device memory) receives each row's k largest columns, largest first, ties to
    // the lower column. Requires 1 <= k <= scores.cols.
    virtual void top_k(ConstMatrixView scores, int k, std::int32_t* indices) = 0;

    // ---- row copies ------------------------------------------------------------------------------
    // How a table too big for one batch lends the batch its rows (an embedding cache's slots): rows is an
    // index array in device memory, each entry below the indexed matrix's row count. Both operations take
    // column blocks of wider matrices, so that a table whose rows carry optimizer state after their values
    // lends the values alone.
    // out row i = source row rows[i], for the out.rows rows of out; an index may repeat.
    virtual void gather_rows(ConstMatrixView source, const std::int32_t* rows, MatrixView out) = 0;
    // destination row rows[i] = in row i, for the in.rows rows of in; the indices are distinct (with a
    // repeat, which row lands is not defined). Rows not listed are not touched.
    virtual void scatter_rows(ConstMatrixView in, const std::int32_t* rows, MatrixView destination) = 0;

    // ---- optimizer updates ----------------------------------------------------------------------
    // Dense SGD with optional (Nesterov) momentum and L2 weight decay, over `count` parameters:
    //   g' = g + wd * w;  v = mu * v + g';  w -= lr * (nesterov ? g' + mu * v : v)
    // velocity may be null when momentum is 0.
    virtual void sgd_update(float* weights, const float* gradient, float* velocity, std::int64_t count,
                            const SgdHyperparameters& hyper) = 0;
    // The same update applied only to the listed rows of a row-sparse parameter (lazy momentum: rows
    // not in the batch keep their velocity). grad_rows row i is the gradient of weights row rows[i].
    virtual void sgd_update_rows(MatrixView weights, const std::int32_t* rows, ConstMatrixView grad_rows,
                                 float* velocity, const SgdHyperparameters& hyper) = 0;
    // The row optimizer's step (row_optimizer.h: SGD, Adagrad or Adam, lazily, with each row's own step
    // count) on the listed records of a table whose rows are records: a row's values followed by its
    // optimizer state, row_record_floats(settings.kind, gradient.cols) floats. Record rows[i] (device
    // memory, distinct) takes gradient row i; other records are not touched. The CPU backend runs
    // update_row itself, so a record updated there is bit for bit the host table's.
    virtual void lazy_row_update(MatrixView records, const std::int32_t* rows, ConstMatrixView gradient,
                                 const RowOptimizerSettings& settings) = 0;

    // The direction an Adam-family or layer-wise optimizer moves one segment in, element by element, with
    // g the gradient and w the weight it belongs to:
    //   g' = gradient_scale * g + l2_weight_decay * w
    //   with moments:  m = beta1 m + (1 - beta1) g';  v = beta2 v + (1 - beta2) g'^2
    //                  d = m * first_moment_correction / (sqrt(v * second_moment_correction) + epsilon)
    //                      + decoupled_weight_decay * w
    //   without:       d = g' + decoupled_weight_decay * w   (first_moment and second_moment may be null)
    // Dense when rows is null: weights, gradient, direction and the moments are the same shape. Row-sparse
    // otherwise: gradient and direction hold gradient.rows compact rows, row i belonging to row rows[i]
    // (device memory) of weights and of the moments, which have the weights' shape; other rows are not
    // touched. A row-sparse gradient of zero rows has nothing to update and must not be passed: with
    // rows null it would read as dense. Returns the squared norms of what it touched (the layer-wise trust ratios need them, and one
    // pass computes all three). Synchronizes.
    // The default stages the data through host memory (core/backend/adaptive_direction.cpp), so every
    // backend has it; a backend overrides it with a fused kernel.
    virtual DirectionNorms adaptive_direction(ConstMatrixView weights, const std::int32_t* rows,
                                              ConstMatrixView gradient, float* first_moment, float* second_moment,
                                              MatrixView direction, const AdaptiveDirectionParameters& parameters);

    // ---- double precision: kernel recursions ---------------------------------------------------------
    // The graph neural tangent kernel's recursion (core/kernel_methods/graph_neural_tangent_kernel.h) in
    // double: its derivative kernel has an infinite slope at correlation 1, which nodes with the same
    // neighbourhood reach, and a float covariance would put errors of 1e-4 there.
    // c = alpha op(a) op(b) + beta c.
    virtual void gemm_f64(Transpose transpose_a, Transpose transpose_b, double alpha, ConstMatrixViewF64 a,
                          ConstMatrixViewF64 b, double beta, MatrixViewF64 c) = 0;
    // c = diag(row_scale) a b, with a sparse (m x k; its float values, exact for 0 and 1, taken as
    // double) and b dense (k x n). row_scale: m doubles, or null for none.
    virtual void csr_times_dense_f64(const CsrView& a, const double* row_scale, ConstMatrixViewF64 b,
                                     MatrixViewF64 c) = 0;
    // c = b a^T diag(column_scale), with b dense (m x k) and a sparse (n x k): row i of c holds b's row i
    // against every row of a. column_scale: n doubles, or null for none.
    virtual void dense_times_csr_transpose_f64(ConstMatrixViewF64 b, const CsrView& a, const double* column_scale,
                                               MatrixViewF64 c) = 0;
    // In place over every entry (i, j), with s = sqrt(row_variance[i] column_variance[j]) and
    // rho = clamp(sigma / s, -1, 1) (0 where s is 0):
    //   sigma <- s (rho (pi - arccos rho) + sqrt(1 - rho^2)) / pi,   sigma_dot = (pi - arccos rho) / pi,
    //   theta <- theta sigma_dot + sigma (the new sigma).
    // The expectations of a ReLU pair under a centred Gaussian with that covariance, scaled by 2 (Cho and
    // Saul 2009; Du et al. 2019, section 4). sigma and theta have one shape; the variances are device arrays
    // of its rows and of its columns.
    virtual void relu_kernel_expectation(MatrixViewF64 sigma, MatrixViewF64 theta, const double* row_variance,
                                         const double* column_variance) = 0;
    // out[i] = m(i, i) for a square m.
    virtual void copy_diagonal_f64(ConstMatrixViewF64 m, double* out) = 0;
};

}  // namespace tb
