#pragma once
// Plain double-precision reference implementations of the Backend operations, written for clarity and
// nothing else: the conformance suite compares every backend against them. Inputs are the same float
// values the backend sees, so the differences measure only the backend's own rounding.
//
// Each result carries, next to the value, an error scale: the quantity a correct float implementation's
// rounding error is proportional to (for a sum of products, the sum of the products' magnitudes, which
// is what bounds cancellation). The suite turns it into a tolerance per operation.

#include <cstdint>
#include <vector>

#include "core/backend/backend.h"
#include "core/tensor/host_csr.h"

namespace tb::reference {

struct Expected {
    std::vector<double> values;
    std::vector<double> error_scale;
};

struct LossExpected {
    double loss = 0.0;
    double loss_error_scale = 0.0;
    Expected grad;  // gradient as the backend must write it (already multiplied by grad_scale)
};

// ---- linear algebra ----
Expected gemm(Transpose transpose_a, Transpose transpose_b, double alpha, const HostMatrix& a, const HostMatrix& b,
              double beta, const HostMatrix& c);
Expected csr_times_dense(double alpha, const HostCsr& a, const HostMatrix& b, double beta, const HostMatrix& c);
Expected csr_transpose_times_dense(double alpha, const HostCsr& a, const HostMatrix& b, double beta,
                                   const HostMatrix& c);

// ---- element-wise ----
Expected scale(const std::vector<float>& x, double alpha);
Expected axpby(double alpha, const std::vector<float>& x, double beta, const std::vector<float>& y);
Expected add_row_vector(const HostMatrix& m, const std::vector<float>& row_vector);
Expected column_sums(double alpha, const HostMatrix& m, double beta, const std::vector<float>& out);
Expected row_dot(double alpha, const HostMatrix& a, const HostMatrix& b, double beta, const std::vector<float>& out);
Expected scale_rows(const HostMatrix& in, const std::vector<float>& scale, double beta, const HostMatrix& out);
Expected relu_forward(const std::vector<float>& in);
Expected relu_backward(const std::vector<float>& activation, const std::vector<float>& grad_out);
// The mask is the shared definition in core/backend/dropout_mask.h: it is the specification.
Expected dropout_mask(std::int64_t count, float rate, std::uint64_t seed, std::uint64_t stream_offset);
Expected multiply(const std::vector<float>& x, const std::vector<float>& factors);

// ---- normalization ----
// Backend::layer_norm_forward. Values are exact (the row statistics in double from the float inputs).
// Like the linear_softmax_cross_entropy scales below, these error scales already count every rounding
// of a float evaluation of backend.h's formula, in units of u (backend_reference.cpp derives them),
// and the suite allows only a factor for the second-order terms and for another evaluation order.
struct LayerNormExpected {
    Expected out;          // rows x cols
    Expected mean;         // rows
    Expected inverse_std;  // rows
};
LayerNormExpected layer_norm_forward(const HostMatrix& in, const std::vector<float>& gain,
                                     const std::vector<float>& bias, double epsilon);
// Backend::layer_norm_backward at the statistics it is given: the floats forward saved, to check a
// backend, or the exact ones, for the gradient of the forward itself. grad_gain_before and
// grad_bias_before are the gradients parameter_beta keeps.
struct LayerNormGradients {
    Expected grad_in;    // rows x cols
    Expected grad_gain;  // cols
    Expected grad_bias;  // cols
};
LayerNormGradients layer_norm_backward(const HostMatrix& in, const std::vector<double>& mean,
                                       const std::vector<double>& inverse_std, const std::vector<float>& gain,
                                       const HostMatrix& grad_out, double parameter_beta,
                                       const std::vector<float>& grad_gain_before,
                                       const std::vector<float>& grad_bias_before);

// ---- merging ----
// sum_i weights[i] * sources[i]; the error scale is the result's magnitude (the one rounding to float)
// plus the double additions' bound, n 2^-29 u-units of sum |w_i x_i|, so a backend passes with one
// rounding and fails when it sums or weighs in float where the terms cancel.
Expected weighted_sum(const std::vector<std::vector<float>>& sources, const std::vector<double>& weights);

// ---- reductions ----
Expected sum(const std::vector<float>& x);
Expected dot(const std::vector<float>& x, const std::vector<float>& y);
Expected sum_of_squares(const std::vector<float>& x);

// ---- losses ----
double softmax_cross_entropy_loss(const std::vector<double>& logits, std::int64_t rows, std::int64_t cols,
                                  const HostCsr& labels);
LossExpected softmax_cross_entropy(const HostMatrix& logits, const HostCsr& labels, double grad_scale);
double sigmoid_binary_cross_entropy_loss(const std::vector<double>& logits, std::int64_t rows, std::int64_t cols,
                                         const HostCsr& labels);
LossExpected sigmoid_binary_cross_entropy(const HostMatrix& logits, const HostCsr& labels, double grad_scale);

// ---- a softmax output layer's training step ----
// Backend::linear_softmax_cross_entropy. Unlike the scales above, which the suite multiplies by a count
// of roundings and of summed terms, these scales already hold every rounding of a float evaluation,
// counted in units of the float roundoff (backend_reference.cpp derives them): the suite only allows a
// factor for the second-order terms.
struct LinearSoftmaxExpected {
    double loss = 0.0;
    double loss_error_scale = 0.0;
    Expected grad_weight;  // in x outputs
    Expected grad_bias;    // outputs
    Expected grad_input;   // batch x in
};
LinearSoftmaxExpected linear_softmax_cross_entropy(const HostMatrix& input, const HostMatrix& weight,
                                                   const std::vector<float>& bias, const HostCsr& labels,
                                                   double grad_scale);

// ---- ranking ----
// Each row's k best columns: larger score first, ties to the lower column (a stable sort).
std::vector<std::int32_t> top_k(const HostMatrix& scores, int k);

// ---- row copies ----
// out row i = source row rows[i]; scatter: destination with row rows[i] replaced by in row i. Exact copies.
Expected gather_rows(const HostMatrix& source, const std::vector<std::int32_t>& rows);
Expected scatter_rows(const HostMatrix& in, const std::vector<std::int32_t>& rows, const HostMatrix& destination);

// ---- optimizer updates ----
// Backend::lazy_row_update: record rows[i] of `records` takes gradient row i by the row optimizer's
// formulas (row_optimizer.h), in double from the same float inputs.
Expected lazy_row_update(const HostMatrix& records, const std::vector<std::int32_t>& rows, const HostMatrix& gradient,
                         const RowOptimizerSettings& settings);

struct SgdExpected {
    Expected weights;
    Expected velocity;  // empty when there is no velocity
};
SgdExpected sgd_update(const std::vector<float>& weights, const std::vector<float>& gradient,
                       const std::vector<float>& velocity, const SgdHyperparameters& hyper);
SgdExpected sgd_update_rows(const HostMatrix& weights, const std::vector<std::int32_t>& rows,
                            const HostMatrix& grad_rows, const std::vector<float>& velocity,
                            const SgdHyperparameters& hyper);

// Backend::adaptive_direction. rows null: a dense segment; otherwise gradient row i belongs to weights row
// (*rows)[i]. Without moments the moment vectors are ignored and the moment results are left empty.
struct AdaptiveDirectionExpected {
    Expected direction;      // the gradient's shape
    Expected first_moment;   // the weights' shape: untouched rows keep their values
    Expected second_moment;
    DirectionNorms norms;
    // What a correct implementation's error in each norm is proportional to, in units of the float
    // roundoff, the summation in double included (backend_reference.cpp derives them).
    DirectionNorms norm_error_scale;
};
AdaptiveDirectionExpected adaptive_direction(const HostMatrix& weights, const std::vector<std::int32_t>* rows,
                                             const HostMatrix& gradient, const std::vector<float>& first_moment,
                                             const std::vector<float>& second_moment,
                                             const AdaptiveDirectionParameters& parameters);

}  // namespace tb::reference
