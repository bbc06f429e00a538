#pragma once
// How far a backend's float result may lie from the double-precision reference, per operation, with the
// reasoning behind each bound.

#include <limits>

namespace tb::conformance {

// An element passes when |actual - expected| <= (roundings + roundings_per_term * terms) * u * scale,
// with u = 2^-24 the unit roundoff of float, `scale` the reference's error scale for that element
// (backend_reference.h: the magnitude a correct float evaluation's rounding is proportional to) and
// `terms` the length of the longest sum behind it. A whole output passes when, in addition, its
// normalized mean squared error sum (actual - expected)^2 / sum expected^2 stays under max_nmse: the
// element bounds are worst cases that hold for any summation order, the NMSE limit catches a backend
// that is systematically less precise than float (TF32 or half-precision math slipping in), which
// per-element worst cases with long sums would let through.

inline constexpr double float_unit_roundoff = 0x1p-24;
inline constexpr double no_nmse_limit = std::numeric_limits<double>::infinity();
// A GPU may flush subnormal results to zero; differences below the smallest normal float are no error.
inline constexpr double subnormal_slack = std::numeric_limits<float>::min();

struct Tolerance {
    double roundings = 0.0;
    double roundings_per_term = 0.0;
    double max_nmse = 0.0;
};

namespace tolerance {

// fill, relu, the dropout mask and top-k select or copy values and never round: bit-exact.
inline constexpr Tolerance exact{0.0, 0.0, 0.0};
// scale, add_row_vector, dropout_backward: one multiplication or addition, one rounding. Random
// inputs give an NMSE near u^2 / 3 ~ 1e-15.
inline constexpr Tolerance one_rounding{1.0, 0.0, 1e-12};
// dropout_forward's output: the contract fixes the factor 1 / (1 - rate) but not the float it is
// rounded to, so a backend may apply it as a division or in another precision: two roundings.
inline constexpr Tolerance dropout_output{2.0, 0.0, 1e-12};
// axpby: two products and a sum (or an FMA and a product), three roundings at most.
inline constexpr Tolerance axpby{3.0, 0.0, 1e-12};
// weighted_sum: products summed in double and rounded once (backend.h); the reference's scale carries
// the double additions (backend_reference.h). Summing or weighing in float fails the cancelling cases.
inline constexpr Tolerance weighted_sum{1.0, 0.0, 1e-12};
// gemm, the CSR products and column sums: a sum of n terms evaluated in any order (blocked, pairwise,
// with FMA) lies within n u / (1 - n u) of the exact sum relative to the sum of the terms' magnitudes
// (Higham, Accuracy and Stability of Numerical Algorithms, 2nd ed., section 3.1); alpha and beta add a
// rounding each. Float accumulation on the suite's random inputs gives NMSEs around 1e-14; TF32 or
// half-precision accumulation gives 1e-7 and worse.
inline constexpr Tolerance accumulation{2.0, 1.0, 1e-9};
// sum, dot and sum_of_squares accumulate in double (backend.h). A float and a product of two floats are
// exact in double, so a backend that converts before it multiplies is off only by its double additions,
// n roundings of 2^-53 = 2^-29 u each. A float accumulator fails this by orders of magnitude, and the
// suite's cancelling inputs make sure it shows. One value per call: the bound says all, no NMSE.
inline constexpr Tolerance double_reduction{0.0, 0x1p-29, no_nmse_limit};
// Softmax gradient: the reference's scale p (|x - max| + mean shift + 1) collects what the roundings of
// x - max, of the normalizing sum's terms and of p itself are relative to (backend_reference.cpp); exp
// within about 2 ulp (4 u), the division, the scaling and the target subtraction make eight roundings.
// The normalizing sum over a row's `cols` exponentials, in float in any order, adds up to cols u.
inline constexpr Tolerance softmax_gradient{8.0, 1.0, 1e-10};
// Sigmoid gradient: exp within about 2 ulp (4 u), then 1 + e, the reciprocal, e times it and the
// scaling, a rounding each: 7.5 u at worst, so eight.
inline constexpr Tolerance sigmoid_gradient{8.0, 0.0, 1e-12};
// Loss values: per element exp, log or log1p and the additions around them, counted as eight roundings
// of the reference's loss scale, plus the sums: a row's columns summed in float in any order, then the
// per-row losses added in any order (terms = cols + rows). One value per call: no NMSE.
inline constexpr Tolerance loss_value{8.0, 1.0, no_nmse_limit};
// SGD: wd * w, + g, mu * v, +, the Nesterov look-ahead, lr * step and w - step: up to six roundings, each
// relative to a quantity the reference's scale |w| + lr (1 + mu)(|g| + |wd w| + |mu v|) bounds.
inline constexpr Tolerance sgd{6.0, 0.0, 1e-12};
// lazy_row_update: Adagrad's a + g^2, its square root, the sum with epsilon, lr * g, the division and the
// subtraction are six roundings; Adam's moments take three each and its step, evaluated in double, one
// rounding to float and the subtraction, on top of the moment's error that the reference's scale carries
// into the step (backend_reference.cpp). Eight leaves room for either evaluation order without admitting
// a wrong formula, which is off by the size of the step itself.
inline constexpr Tolerance lazy_row_update{8.0, 0.0, 1e-12};
// adaptive_direction: the reference's error scales are first-order bounds on a float evaluation of the
// formula that count every rounding, moments, square root and division included (backend_reference.cpp),
// so a factor of 2 leaves room for the second-order terms and for another evaluation order of the same
// length (the bias corrections folded into one factor, a reciprocal square root) without admitting a
// wrong formula, which is off by the size of the value itself. The norms' scales carry their summation
// in double. Float evaluation gives NMSEs near 1e-14, TF32 or half precision 1e-7 and worse.
inline constexpr Tolerance adaptive_direction{2.0, 0.0, 1e-10};
inline constexpr Tolerance adaptive_direction_norm{2.0, 0.0, no_nmse_limit};
// linear_softmax_cross_entropy: like adaptive_direction, the reference's scales are first-order bounds
// that count every rounding of a float evaluation (backend_reference.cpp: the logits' sums, their errors
// carried through the softmax, the softmax's own roundings as tolerance::softmax_gradient allows them,
// and the three gradient sums), so a factor of 2 covers the second-order terms. A wrong formula (a
// missing bias, a sign, a label in the wrong block) is off by the size of the value. On wide layers the
// per-element bounds are dominated by the softmax's worst case, a rounding per output of the row, and
// leave precision to the NMSE limit: float evaluation gives at most 5e-13 on the suite's inputs, logits
// rounded to TF32 precision give 1e-9 to 5e-6 (1e-7 and more wherever the logits span more than a few
// units).
inline constexpr Tolerance linear_softmax_gradient{2.0, 0.0, 1e-9};
inline constexpr Tolerance linear_softmax_loss{2.0, 0.0, no_nmse_limit};
// layer_norm_forward and layer_norm_backward: as for adaptive_direction, the reference's scales are
// first-order bounds that count every rounding of a float evaluation of backend.h's formula
// (backend_reference.cpp), so a factor of 2 covers the second-order terms and another evaluation order of
// the same length (fused multiply-adds, the gain and the inverse deviation multiplied first). A wrong
// formula (the unbiased variance, a missing term of the input gradient) is off by the size of the value,
// and statistics summed in float by up to a rounding per column, which the mean's and the inverse
// deviation's bounds of about two roundings do not admit. Float evaluation gives NMSEs near 1e-14.
inline constexpr Tolerance layer_norm{2.0, 0.0, 1e-10};
// Where the exact result is mostly cancellation, the NMSE measures that, not the arithmetic's precision,
// and is not limited: rows whose mean lies far from zero next to their spread, of whose normalized values
// every backend loses u |mean| / std to the mean's rounding to float, and a single column, whose input
// gradient g - mean(g) is exactly 0 and comes out as the rounding of g where a multiply-add is fused.
// The per-element scales carry both.
inline constexpr Tolerance layer_norm_cancellation{2.0, 0.0, no_nmse_limit};

}  // namespace tolerance

}  // namespace tb::conformance
