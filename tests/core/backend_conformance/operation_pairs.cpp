#include "tests/core/backend_conformance/operation_pairs.h"

#include <QString>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <random>

#include "tests/core/backend_conformance/guarded_arrays.h"
#include "tests/core/backend_conformance/random_inputs.h"

namespace tb::conformance {
namespace {

// Inputs are multiples of 2^-20 below 2 in magnitude and the finite-difference step h is a power of
// two, so x + h v and x - h v (v = +-1) are floats exactly: the differences are taken at exactly the
// points intended, around exactly x, and only the backend's own rounding and the truncation of the
// central difference remain to be bounded.
constexpr double grid = 0x1p-20;

double on_grid(double value) { return std::round(value / grid) * grid; }

std::vector<float> grid_values(Random& random, std::int64_t count, double low, double high) {
    std::uniform_real_distribution<double> distribution(low, high);
    std::vector<float> values(static_cast<std::size_t>(count));
    for (float& value : values) value = static_cast<float>(on_grid(distribution(random)));
    return values;
}

std::vector<float> random_signs(Random& random, std::int64_t count) {
    std::bernoulli_distribution positive(0.5);
    std::vector<float> signs(static_cast<std::size_t>(count));
    for (float& sign : signs) sign = positive(random) ? 1.0f : -1.0f;
    return signs;
}

// x + factor * h * v, exact by the choice of grid and step.
std::vector<float> stepped(const std::vector<float>& x, const std::vector<float>& v, double step) {
    std::vector<float> result(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) result[i] = static_cast<float>(x[i] + step * v[i]);
    return result;
}

double inner_product(const std::vector<float>& x, const std::vector<double>& y) {
    double total = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) total += static_cast<double>(x[i]) * y[i];
    return total;
}

double inner_product(const std::vector<float>& x, const std::vector<float>& y) {
    double total = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) total += static_cast<double>(x[i]) * static_cast<double>(y[i]);
    return total;
}

// sum |x_i| |y_i|: what the roundings of a sum of products x_i y_i are proportional to.
double magnitude_product(const std::vector<float>& x, const std::vector<double>& y) {
    double total = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) total += std::fabs(static_cast<double>(x[i])) * std::fabs(y[i]);
    return total;
}

// A sum in double of n terms lies within n 2^-53 of the exact sum relative to the terms' magnitudes.
double double_sum_error(std::size_t terms, double magnitude) {
    return static_cast<double>(terms) * 0x1p-53 * magnitude;
}

// A check can fail only when its bound is well below what it compares: a tenth, so that a gradient with
// the wrong sign, the wrong scale, or wrong on a tenth of its size does not pass.
constexpr double largest_bound_share = 0.1;

void keep_worst(PairMeasurement& worst, double difference, double bound, double magnitude) {
    if (worst.bound == 0.0 || difference / bound > worst.difference / worst.bound) {
        worst = {difference, bound, magnitude};
    }
}

void expect_identity(CaseContext& context, const std::string& what, double left, double right, double bound,
                     PairMeasurement& worst) {
    const double difference = std::fabs(left - right);
    if (!(difference <= bound)) {
        context.fail(QString::asprintf("%s: %.12g against %.12g, difference %.3g, allowed %.3g", what.c_str(), left,
                                       right, difference, bound)
                         .toStdString());
    }
    if (!(bound <= largest_bound_share * std::fabs(right))) {
        context.fail(QString::asprintf("%s: the bound %.3g is not below a tenth of %.3g, so the check could not fail",
                                       what.c_str(), bound, right)
                         .toStdString());
    }
    keep_worst(worst, difference, bound, std::fabs(right));
}

// ---- forward and backward --------------------------------------------------------------------------

// f(x) = <y, relu(x)>, its gradient relu_backward(relu(x), y). Inputs stay at least 1/8 away from the
// kink, farther than the step 2^-7, so f is linear along the whole difference and the central
// difference has no truncation error; relu selects and the dot product sums in double, so the bound is
// the double sums' alone.
void relu_pair(CaseContext& context, PairMeasurement& worst) {
    Backend& backend = context.backend();
    Random& random = context.random();
    constexpr std::int64_t rows = 37;
    constexpr std::int64_t cols = 53;
    constexpr std::int64_t count = rows * cols;
    constexpr double step = 0x1p-7;
    std::vector<float> x = grid_values(random, count, 0.125, 1.0);
    const std::vector<float> signs = random_signs(random, count);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] *= signs[i];
    const std::vector<float> y = grid_values(random, count, -1.0, 1.0);
    const std::vector<float> v = random_signs(random, count);
    GuardedArray<float> device_y(context, y, "y", Role::input);
    auto f = [&](const std::vector<float>& at, std::vector<float>* activation) {
        GuardedMatrix in(context, HostMatrix(rows, cols, at), "x", Role::input);
        GuardedMatrix out(context, nan_matrix(rows, cols), "relu(x)", Role::output);
        backend.relu_forward(in.const_view(), out.view());
        const double value = backend.dot(device_y.data(), out.view().data, count);
        if (activation != nullptr) *activation = out.download();
        return value;
    };
    std::vector<float> activation;
    static_cast<void>(f(x, &activation));
    GuardedMatrix device_activation(context, HostMatrix(rows, cols, activation), "activation", Role::input);
    GuardedMatrix gradient(context, nan_matrix(rows, cols), "gradient", Role::output);
    backend.relu_backward(device_activation.const_view(), {device_y.data(), rows, cols}, gradient.view());
    const std::vector<float> g = gradient.download();
    std::vector<float> plus_activation;
    std::vector<float> minus_activation;
    const double difference =
        f(stepped(x, v, step), &plus_activation) - f(stepped(x, v, -step), &minus_activation);
    std::vector<double> delta(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) delta[i] = 2.0 * step * v[i];
    const double derivative = inner_product(g, delta);
    std::vector<double> y_double(y.begin(), y.end());
    const double bound = double_sum_error(count, magnitude_product(plus_activation, y_double)) +
                         double_sum_error(count, magnitude_product(minus_activation, y_double)) +
                         double_sum_error(count, magnitude_product(g, delta)) + 4.0 * 0x1p-53 * std::fabs(derivative);
    expect_identity(context, "relu along a random direction", difference, derivative, bound, worst);
}

// f(x) = <y, dropout(x)> with one mask, its gradient dropout_backward(y, mask). Linear in x: no
// truncation. Each output is x times the factor 1 / (1 - rate), within two roundings (the contract
// leaves the factor's float open), each gradient element y times the mask within one.
void dropout_pair(CaseContext& context, PairMeasurement& worst) {
    Backend& backend = context.backend();
    Random& random = context.random();
    constexpr std::int64_t rows = 41;
    constexpr std::int64_t cols = 49;
    constexpr std::int64_t count = rows * cols;
    constexpr double step = 0x1p-7;
    constexpr float rate = 0.3f;
    constexpr double u = float_unit_roundoff;
    const std::vector<float> x = grid_values(random, count, -1.0, 1.0);
    const std::vector<float> y = grid_values(random, count, -1.0, 1.0);
    const std::vector<float> v = random_signs(random, count);
    GuardedArray<float> device_y(context, y, "y", Role::input);
    GuardedArray<float> mask(context, nan_values(count), "mask", Role::output);
    auto f = [&](const std::vector<float>& at) {
        GuardedMatrix in(context, HostMatrix(rows, cols, at), "x", Role::input);
        GuardedMatrix out(context, nan_matrix(rows, cols), "dropout(x)", Role::output);
        backend.dropout_forward(in.const_view(), out.view(), mask.data(), rate, 17, 4242);
        return backend.dot(device_y.data(), out.view().data, count);
    };
    const std::vector<float> x_plus = stepped(x, v, step);
    const std::vector<float> x_minus = stepped(x, v, -step);
    const double difference = f(x_plus) - f(x_minus);
    GuardedMatrix gradient(context, nan_matrix(rows, cols), "gradient", Role::output);
    backend.dropout_backward({device_y.data(), rows, cols}, mask.data(), gradient.view());
    const std::vector<float> g = gradient.download();
    const std::vector<float> factors = mask.download();
    std::vector<double> delta(v.size());
    double evaluation = 0.0;
    double gradient_rounding = 0.0;
    for (std::size_t i = 0; i < v.size(); ++i) {
        delta[i] = 2.0 * step * v[i];
        const double weight = std::fabs(static_cast<double>(y[i]) * factors[i]);
        evaluation += weight * (std::fabs(x_plus[i]) + std::fabs(x_minus[i]));
        gradient_rounding += weight * std::fabs(delta[i]);
    }
    const double derivative = inner_product(g, delta);
    const double bound = 2.0 * u * evaluation * (1.0 + 1e-6) + u * gradient_rounding * (1.0 + 1e-6) +
                         3.0 * double_sum_error(count, evaluation + gradient_rounding);
    expect_identity(context, "dropout along a random direction", difference, derivative, bound, worst);
}

// A loss and its gradient, from one operation. The loss's own float evaluation at both points is bounded
// as the reference comparison bounds it (tolerance::loss_value); the gradient's error along the
// direction as tolerance::softmax_gradient or sigmoid_gradient bound each element. The central
// difference's truncation is |D^3 f[d, d, d]| / 24 for the whole step d = 2 h v: a labelled row's
// softmax cross-entropy has third directional derivatives of at most range(d)^3 (a third central moment
// of d under the softmax), an element's sigmoid cross-entropy at most 0.0963 |d|^3 (the largest
// |s (1 - s)(1 - 2 s)|).
void loss_pair(CaseContext& context, PairMeasurement& worst, bool softmax) {
    Backend& backend = context.backend();
    Random& random = context.random();
    constexpr std::int64_t rows = 8;
    constexpr std::int64_t cols = 9;
    constexpr std::int64_t count = rows * cols;
    constexpr double step = 0x1p-6;
    constexpr double u = float_unit_roundoff;
    const std::vector<float> x = grid_values(random, count, -1.875, 1.875);
    HostCsr labels = random_labels(random, rows - 1, cols, {0.3, 0.0, 0});
    labels.append_row({}, {});  // a row without labels adds nothing and gets a zero gradient
    const std::vector<float> v = random_signs(random, count);
    GuardedCsr device_labels(context, labels, "labels");
    auto f = [&](const std::vector<float>& at, std::vector<float>* gradient) {
        GuardedMatrix logits(context, HostMatrix(rows, cols, at), "logits", Role::input);
        GuardedMatrix grad(context, nan_matrix(rows, cols), "grad", Role::output);
        const MatrixView grad_view = gradient != nullptr ? grad.view() : MatrixView{};
        const double loss = softmax ? backend.softmax_cross_entropy(logits.const_view(), device_labels.view(),
                                                                     grad_view, 1.0f)
                                    : backend.sigmoid_binary_cross_entropy(logits.const_view(), device_labels.view(),
                                                                           grad_view, 1.0f);
        if (gradient != nullptr) *gradient = grad.download();
        return loss;
    };
    auto reference_at = [&](const std::vector<float>& at) {
        const HostMatrix logits(rows, cols, at);
        return softmax ? reference::softmax_cross_entropy(logits, labels, 1.0)
                       : reference::sigmoid_binary_cross_entropy(logits, labels, 1.0);
    };
    std::vector<float> g;
    static_cast<void>(f(x, &g));
    const std::vector<float> x_plus = stepped(x, v, step);
    const std::vector<float> x_minus = stepped(x, v, -step);
    const double difference = f(x_plus, nullptr) - f(x_minus, nullptr);
    std::vector<double> delta(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) delta[i] = 2.0 * step * v[i];
    const double derivative = inner_product(g, delta);

    const Tolerance loss_tolerance = tolerance::loss_value;
    const double loss_allowance = (loss_tolerance.roundings + loss_tolerance.roundings_per_term * (rows + cols)) * u;
    const double evaluation =
        loss_allowance * (reference_at(x_plus).loss_error_scale + reference_at(x_minus).loss_error_scale);
    const Tolerance gradient_tolerance = softmax ? tolerance::softmax_gradient : tolerance::sigmoid_gradient;
    const double gradient_allowance =
        (gradient_tolerance.roundings + gradient_tolerance.roundings_per_term * (softmax ? cols : 0)) * u;
    const reference::LossExpected at_x = reference_at(x);
    double gradient_error = 0.0;
    for (std::size_t i = 0; i < delta.size(); ++i) {
        gradient_error += std::fabs(delta[i]) * (gradient_allowance * at_x.grad.error_scale[i] + subnormal_slack);
    }
    double truncation = 0.0;
    for (std::int64_t row = 0; row < rows; ++row) {
        if (labels.row_nnz(row) == 0 && softmax) continue;
        const auto first = delta.begin() + row * cols;
        if (softmax) {
            const auto [low, high] = std::minmax_element(first, first + cols);
            truncation += std::pow(*high - *low, 3) / 24.0;
        } else {
            for (auto d = first; d != first + cols; ++d) truncation += 0.0963 * std::pow(std::fabs(*d), 3) / 24.0;
        }
    }
    const double bound = evaluation + gradient_error + truncation;
    expect_identity(context, std::string(softmax ? "softmax" : "sigmoid") + " cross-entropy along a random direction",
                    difference, derivative, bound, worst);
}

void softmax_pair(CaseContext& context, PairMeasurement& worst) { loss_pair(context, worst, true); }
void sigmoid_pair(CaseContext& context, PairMeasurement& worst) { loss_pair(context, worst, false); }

// The output layer's loss along a random direction of one operand at a time (input, weight, bias), so
// that the logits move linearly and the softmax's truncation bound above applies to their change. The
// reference's error scales count every rounding of a float evaluation in units of u; the suite's
// tolerance allows two of them (tolerance::linear_softmax_loss and linear_softmax_gradient).
void linear_softmax_pair(CaseContext& context, PairMeasurement& worst) {
    Backend& backend = context.backend();
    Random& random = context.random();
    constexpr std::int64_t batch = 6;
    constexpr std::int64_t in = 5;
    constexpr std::int64_t outputs = 9;
    constexpr double step = 0x1p-6;
    constexpr double u = float_unit_roundoff;
    const std::vector<float> input = grid_values(random, batch * in, -1.0, 1.0);
    const std::vector<float> weight = grid_values(random, in * outputs, -1.0, 1.0);
    const std::vector<float> bias = grid_values(random, outputs, -1.0, 1.0);
    HostCsr labels = random_labels(random, batch - 1, outputs, {0.3, 0.0, 0});
    labels.append_row({}, {});
    GuardedCsr device_labels(context, labels, "labels");
    struct Evaluation {
        double loss = 0.0;
        std::vector<float> grad_input, grad_weight, grad_bias;
    };
    auto evaluate = [&](const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& b) {
        GuardedMatrix device_input(context, HostMatrix(batch, in, x), "input", Role::input);
        GuardedMatrix device_weight(context, HostMatrix(in, outputs, w), "weight", Role::input);
        GuardedArray<float> device_bias(context, b, "bias", Role::input);
        GuardedMatrix scratch(context, nan_matrix(batch, outputs), "scratch", Role::output);
        GuardedMatrix grad_weight(context, nan_matrix(in, outputs), "grad_weight", Role::output);
        GuardedArray<float> grad_bias(context, nan_values(outputs), "grad_bias", Role::output);
        GuardedMatrix grad_input(context, nan_matrix(batch, in), "grad_input", Role::output);
        LinearSoftmaxStep layer;
        layer.input = device_input.const_view();
        layer.weight = device_weight.const_view();
        layer.bias = device_bias.data();
        layer.labels = device_labels.view();
        layer.scratch = scratch.view();
        layer.grad_weight = grad_weight.view();
        layer.grad_bias = grad_bias.data();
        layer.grad_input = grad_input.view();
        Evaluation result;
        result.loss = backend.linear_softmax_cross_entropy(layer);
        result.grad_input = grad_input.download();
        result.grad_weight = grad_weight.download();
        result.grad_bias = grad_bias.download();
        return result;
    };
    auto loss_error = [&](const std::vector<float>& x, const std::vector<float>& w, const std::vector<float>& b) {
        return 2.0 * u *
               reference::linear_softmax_cross_entropy(HostMatrix(batch, in, x), HostMatrix(in, outputs, w), b, labels,
                                                       1.0)
                   .loss_error_scale;
    };
    const Evaluation at_x = evaluate(input, weight, bias);
    const reference::LinearSoftmaxExpected expected = reference::linear_softmax_cross_entropy(
        HostMatrix(batch, in, input), HostMatrix(in, outputs, weight), bias, labels, 1.0);
    enum class Operand { layer_input, layer_weight, layer_bias };
    for (Operand operand : {Operand::layer_input, Operand::layer_weight, Operand::layer_bias}) {
        const std::vector<float>& moved = operand == Operand::layer_input    ? input
                                          : operand == Operand::layer_weight ? weight
                                                                             : bias;
        const std::vector<float>& gradient = operand == Operand::layer_input    ? at_x.grad_input
                                             : operand == Operand::layer_weight ? at_x.grad_weight
                                                                          : at_x.grad_bias;
        const reference::Expected& gradient_scale = operand == Operand::layer_input    ? expected.grad_input
                                                    : operand == Operand::layer_weight ? expected.grad_weight
                                                                                 : expected.grad_bias;
        const std::vector<float> v = random_signs(random, static_cast<std::int64_t>(moved.size()));
        const std::vector<float> plus = stepped(moved, v, step);
        const std::vector<float> minus = stepped(moved, v, -step);
        auto with = [&](const std::vector<float>& value) {
            return std::array<const std::vector<float>*, 3>{operand == Operand::layer_input ? &value : &input,
                                                             operand == Operand::layer_weight ? &value : &weight,
                                                             operand == Operand::layer_bias ? &value : &bias};
        };
        const auto p = with(plus);
        const auto m = with(minus);
        const double difference = evaluate(*p[0], *p[1], *p[2]).loss - evaluate(*m[0], *m[1], *m[2]).loss;
        std::vector<double> delta(v.size());
        double gradient_error = 0.0;
        for (std::size_t i = 0; i < v.size(); ++i) {
            delta[i] = 2.0 * step * v[i];
            gradient_error += std::fabs(delta[i]) * (2.0 * u * gradient_scale.error_scale[i] + subnormal_slack);
        }
        const double derivative = inner_product(gradient, delta);
        // The change of the logits, exact in double: delta_input W, input delta_W or delta_b.
        double truncation = 0.0;
        for (std::int64_t r = 0; r < batch; ++r) {
            if (labels.row_nnz(r) == 0) continue;
            double low = 0.0;
            double high = 0.0;
            for (std::int64_t c = 0; c < outputs; ++c) {
                double change = 0.0;
                if (operand == Operand::layer_bias) change = delta[static_cast<std::size_t>(c)];
                for (std::int64_t k = 0; k < in && operand != Operand::layer_bias; ++k) {
                    const std::size_t input_at = static_cast<std::size_t>(r * in + k);
                    const std::size_t weight_at = static_cast<std::size_t>(k * outputs + c);
                    change += operand == Operand::layer_input ? delta[input_at] * weight[weight_at]
                                                        : input[input_at] * delta[weight_at];
                }
                low = c == 0 ? change : std::min(low, change);
                high = c == 0 ? change : std::max(high, change);
            }
            truncation += std::pow(high - low, 3) / 24.0;
        }
        const double bound = loss_error(*p[0], *p[1], *p[2]) + loss_error(*m[0], *m[1], *m[2]) + gradient_error +
                             truncation;
        const char* name = operand == Operand::layer_input    ? "input"
                           : operand == Operand::layer_weight ? "weight"
                                                              : "bias";
        expect_identity(context, std::string("output layer along a random direction of its ") + name, difference,
                        derivative, bound, worst);
    }
}

// A bound on |phi^(3)(t)| over t in [-1/2, 1/2] for one row's part of f(x + t d) = <y, layer_norm(x + t d)>:
// with w = y gain, z = x - mean(x) and e = d - mean(d) (the centered row and step),
//   phi(t) = (A0 + A1 t) Q(t)^(-1/2) + <y, bias>,   A0 = <w, z>,  A1 = <w, e>,
//   Q(t) = |z + t e|^2 / n + epsilon = c + 2 p t + q t^2,
// and with G = Q^(-1/2), phi^(3) = (A0 + A1 t) G^(3) + 3 A1 G'', where
//   G'' = 3/4 Q^(-5/2) Q'^2 - 1/2 Q^(-3/2) Q'',   G^(3) = -15/8 Q^(-7/2) Q'^3 + 9/4 Q^(-5/2) Q' Q''.
// On the interval Q is at least its minimum there, |Q'| at most 2 |p| + q and Q'' = 2 q.
double layer_norm_third_derivative_bound(const double* y, const std::vector<float>& gain, const float* x,
                                         const double* d, std::int64_t n, double epsilon) {
    double x_mean = 0.0;
    double d_mean = 0.0;
    for (std::int64_t j = 0; j < n; ++j) {
        x_mean += x[j];
        d_mean += d[j];
    }
    x_mean /= static_cast<double>(n);
    d_mean /= static_cast<double>(n);
    double a0 = 0.0;
    double a1 = 0.0;
    double c = 0.0;
    double p = 0.0;
    double q = 0.0;
    for (std::int64_t j = 0; j < n; ++j) {
        const double z = x[j] - x_mean;
        const double e = d[j] - d_mean;
        const double w = y[j] * gain[static_cast<std::size_t>(j)];
        a0 += w * z;
        a1 += w * e;
        c += z * z;
        p += z * e;
        q += e * e;
    }
    c = c / static_cast<double>(n) + epsilon;
    p /= static_cast<double>(n);
    q /= static_cast<double>(n);
    const double t_min = q > 0.0 ? std::clamp(-p / q, -0.5, 0.5) : 0.0;
    const double q_min = std::min({c + 2.0 * p * t_min + q * t_min * t_min, c - p + q / 4.0, c + p + q / 4.0});
    const double slope = 2.0 * std::fabs(p) + q;
    const double curvature = 2.0 * q;
    const double g2 = 0.75 * std::pow(q_min, -2.5) * slope * slope + 0.5 * std::pow(q_min, -1.5) * curvature;
    const double g3 = 15.0 / 8.0 * std::pow(q_min, -3.5) * std::pow(slope, 3) +
                      9.0 / 4.0 * std::pow(q_min, -2.5) * slope * curvature;
    return (std::fabs(a0) + 0.5 * std::fabs(a1)) * g3 + 3.0 * std::fabs(a1) * g2;
}

// f(x, gain, bias) = <y, layer_norm_forward(x)>, its gradients from layer_norm_backward with y as
// grad_out and the statistics forward saved, along a random direction of one operand at a time. f is
// linear in gain and in bias, so their central differences are exact; along x the truncation is
// |phi^(3)| / 24 for the whole step d = 2 h v, bounded row by row above. Each evaluation of f errs by its
// outputs' reference scales (twice, as the reference comparison allows) and the double dot product; the
// gradient by its reference scales, and by the gap between the backward formula at the float statistics
// forward saved and at the exact ones (the contract's, not the backend's: both from the reference).
void layer_norm_pair(CaseContext& context, PairMeasurement& worst) {
    Backend& backend = context.backend();
    Random& random = context.random();
    constexpr std::int64_t rows = 23;
    constexpr std::int64_t cols = 37;
    constexpr std::int64_t count = rows * cols;
    constexpr double step = 0x1p-7;
    constexpr float epsilon = 1e-5f;
    constexpr double u = float_unit_roundoff;
    const std::vector<float> x = grid_values(random, count, -1.0, 1.0);
    const std::vector<float> gain = grid_values(random, cols, -1.5, 1.5);
    const std::vector<float> bias = grid_values(random, cols, -1.0, 1.0);
    const std::vector<float> y = grid_values(random, count, -1.0, 1.0);
    GuardedArray<float> device_y(context, y, "y", Role::input);
    struct Evaluation {
        double value = 0.0;
        std::vector<float> mean, inverse_std;
    };
    auto f = [&](const std::vector<float>& at_x, const std::vector<float>& at_gain, const std::vector<float>& at_bias) {
        GuardedMatrix in(context, HostMatrix(rows, cols, at_x), "x", Role::input);
        GuardedArray<float> device_gain(context, at_gain, "gain", Role::input);
        GuardedArray<float> device_bias(context, at_bias, "bias", Role::input);
        GuardedMatrix out(context, nan_matrix(rows, cols), "layer_norm(x)", Role::output);
        GuardedArray<float> mean(context, nan_values(rows), "mean", Role::output);
        GuardedArray<float> inverse_std(context, nan_values(rows), "inverse_std", Role::output);
        backend.layer_norm_forward(in.const_view(), device_gain.data(), device_bias.data(), epsilon, out.view(),
                                   mean.data(), inverse_std.data());
        Evaluation evaluation;
        evaluation.value = backend.dot(device_y.data(), out.view().data, count);
        evaluation.mean = mean.download();
        evaluation.inverse_std = inverse_std.download();
        return evaluation;
    };
    // |f computed - f exact|: the outputs' allowance, weighed by |y|, and the dot product's double sum.
    auto evaluation_error = [&](const std::vector<float>& at_x, const std::vector<float>& at_gain,
                                const std::vector<float>& at_bias) {
        const reference::LayerNormExpected expected =
            reference::layer_norm_forward(HostMatrix(rows, cols, at_x), at_gain, at_bias, epsilon);
        double error = 0.0;
        double magnitude = 0.0;
        for (std::size_t i = 0; i < y.size(); ++i) {
            error += std::fabs(y[i]) * (2.0 * u * expected.out.error_scale[i] + subnormal_slack);
            magnitude += std::fabs(y[i] * expected.out.values[i]);
        }
        return error + double_sum_error(y.size(), 1.01 * magnitude);
    };

    const Evaluation at_x = f(x, gain, bias);
    GuardedMatrix device_x(context, HostMatrix(rows, cols, x), "x", Role::input);
    GuardedArray<float> mean(context, at_x.mean, "mean", Role::input);
    GuardedArray<float> inverse_std(context, at_x.inverse_std, "inverse_std", Role::input);
    GuardedArray<float> device_gain(context, gain, "gain", Role::input);
    GuardedMatrix grad_in(context, nan_matrix(rows, cols), "grad_in", Role::output);
    GuardedArray<float> grad_gain(context, nan_values(cols), "grad_gain", Role::output);
    GuardedArray<float> grad_bias(context, nan_values(cols), "grad_bias", Role::output);
    backend.layer_norm_backward(device_x.const_view(), mean.data(), inverse_std.data(), device_gain.data(),
                                {device_y.data(), rows, cols}, grad_in.view(), 0.0f, grad_gain.data(),
                                grad_bias.data());
    const HostMatrix x_matrix(rows, cols, x);
    const HostMatrix y_matrix(rows, cols, y);
    const std::vector<float> no_gradient(static_cast<std::size_t>(cols), 0.0f);
    const reference::LayerNormGradients at_saved = reference::layer_norm_backward(
        x_matrix, {at_x.mean.begin(), at_x.mean.end()}, {at_x.inverse_std.begin(), at_x.inverse_std.end()}, gain,
        y_matrix, 0.0, no_gradient, no_gradient);
    const reference::LayerNormExpected exact_forward = reference::layer_norm_forward(x_matrix, gain, bias, epsilon);
    const reference::LayerNormGradients exact =
        reference::layer_norm_backward(x_matrix, exact_forward.mean.values, exact_forward.inverse_std.values, gain,
                                       y_matrix, 0.0, no_gradient, no_gradient);

    enum class Operand { input, layer_gain, layer_bias };
    for (Operand operand : {Operand::input, Operand::layer_gain, Operand::layer_bias}) {
        const std::vector<float>& moved = operand == Operand::input ? x : operand == Operand::layer_gain ? gain : bias;
        const std::vector<float> gradient = operand == Operand::input        ? grad_in.download()
                                            : operand == Operand::layer_gain ? grad_gain.download()
                                                                             : grad_bias.download();
        const reference::Expected& saved_gradient = operand == Operand::input        ? at_saved.grad_in
                                                    : operand == Operand::layer_gain ? at_saved.grad_gain
                                                                                     : at_saved.grad_bias;
        const reference::Expected& exact_gradient = operand == Operand::input        ? exact.grad_in
                                                    : operand == Operand::layer_gain ? exact.grad_gain
                                                                                     : exact.grad_bias;
        const std::vector<float> v = random_signs(random, static_cast<std::int64_t>(moved.size()));
        const std::vector<float> plus = stepped(moved, v, step);
        const std::vector<float> minus = stepped(moved, v, -step);
        auto with = [&](const std::vector<float>& value) {
            return std::array<const std::vector<float>*, 3>{operand == Operand::input ? &value : &x,
                                                             operand == Operand::layer_gain ? &value : &gain,
                                                             operand == Operand::layer_bias ? &value : &bias};
        };
        const auto p = with(plus);
        const auto m = with(minus);
        const double difference = f(*p[0], *p[1], *p[2]).value - f(*m[0], *m[1], *m[2]).value;
        std::vector<double> delta(v.size());
        double gradient_error = 0.0;
        double statistics_gap = 0.0;
        for (std::size_t i = 0; i < v.size(); ++i) {
            delta[i] = 2.0 * step * v[i];
            gradient_error += std::fabs(delta[i]) * (2.0 * u * saved_gradient.error_scale[i] + subnormal_slack);
            statistics_gap += delta[i] * (saved_gradient.values[i] - exact_gradient.values[i]);
        }
        const double derivative = inner_product(gradient, delta);
        double truncation = 0.0;
        if (operand == Operand::input) {
            const std::vector<double> y_double(y.begin(), y.end());
            for (std::int64_t r = 0; r < rows; ++r) {
                truncation += layer_norm_third_derivative_bound(y_double.data() + r * cols, gain, x.data() + r * cols,
                                                                delta.data() + r * cols, cols, epsilon) /
                              24.0;
            }
        }
        const double bound = evaluation_error(*p[0], *p[1], *p[2]) + evaluation_error(*m[0], *m[1], *m[2]) +
                             gradient_error + std::fabs(statistics_gap) + truncation +
                             double_sum_error(delta.size(), magnitude_product(gradient, delta));
        const char* name = operand == Operand::input ? "input" : operand == Operand::layer_gain ? "gain" : "bias";
        expect_identity(context, std::string("layer normalization along a random direction of its ") + name,
                        difference, derivative, bound, worst);
    }
}

// ---- adjoint pairs ---------------------------------------------------------------------------------

// <A X, Y> and <X, A^T Y> for a CSR matrix A, both products from the backend. Each element of A X is
// a sum of a row's non-zeros, within (row length + 2) u of the sum of its terms' magnitudes (tolerance::
// accumulation), each of A^T Y one of a column's, within (column count + 2) u; weighed by |Y| and |X|
// both come to the same sum S = <|A| |X|, |Y|>. The inner products on the host add double sums.
void csr_adjoint_pair(CaseContext& context, PairMeasurement& worst) {
    Backend& backend = context.backend();
    Random& random = context.random();
    constexpr std::int64_t rows = 300;
    constexpr std::int64_t cols = 200;
    constexpr std::int64_t n = 17;
    constexpr double u = float_unit_roundoff;
    const HostCsr a = random_csr(random, rows, cols, {0.05, 0.1, 2});
    const HostMatrix x = random_matrix(random, cols, n);
    const HostMatrix y = random_matrix(random, rows, n);
    GuardedCsr device_a(context, a, "a");
    GuardedMatrix device_x(context, x, "x", Role::input);
    GuardedMatrix device_y(context, y, "y", Role::input);
    GuardedMatrix ax(context, nan_matrix(rows, n), "a x", Role::output);
    GuardedMatrix aty(context, nan_matrix(cols, n), "a^T y", Role::output);
    backend.csr_times_dense(1.0f, device_a.view(), device_x.const_view(), 0.0f, ax.view());
    backend.csr_transpose_times_dense(1.0f, device_a.view(), device_y.const_view(), 0.0f, aty.view());
    const double left = inner_product(ax.download(), y.values);
    const double right = inner_product(x.values, aty.download());
    const reference::Expected magnitudes = reference::csr_times_dense(1.0, a, x, 0.0, nan_matrix(rows, n));
    double s = 0.0;
    for (std::size_t i = 0; i < y.values.size(); ++i) s += magnitudes.error_scale[i] * std::fabs(y.values[i]);
    const double bound = (static_cast<double>(longest_row(a) + most_shared_column(a)) + 4.0) * u * s +
                         2.0 * double_sum_error(static_cast<std::size_t>(rows * n + cols * n), 2.0 * s);
    expect_identity(context, "<A x, y> against <x, A^T y>", left, right, bound, worst);
}

// <A B, Y> and <B, A^T Y> through gemm with and without the transpose of A: sums of k and of m terms.
void gemm_adjoint_pair(CaseContext& context, PairMeasurement& worst) {
    Backend& backend = context.backend();
    Random& random = context.random();
    constexpr std::int64_t m = 65;
    constexpr std::int64_t n = 33;
    constexpr std::int64_t k = 129;
    constexpr double u = float_unit_roundoff;
    const HostMatrix a = random_matrix(random, m, k);
    const HostMatrix b = random_matrix(random, k, n);
    const HostMatrix y = random_matrix(random, m, n);
    GuardedMatrix device_a(context, a, "a", Role::input);
    GuardedMatrix device_b(context, b, "b", Role::input);
    GuardedMatrix device_y(context, y, "y", Role::input);
    GuardedMatrix ab(context, nan_matrix(m, n), "a b", Role::output);
    GuardedMatrix aty(context, nan_matrix(k, n), "a^T y", Role::output);
    backend.gemm(Transpose::no, Transpose::no, 1.0f, device_a.const_view(), device_b.const_view(), 0.0f, ab.view());
    backend.gemm(Transpose::yes, Transpose::no, 1.0f, device_a.const_view(), device_y.const_view(), 0.0f, aty.view());
    const double left = inner_product(ab.download(), y.values);
    const double right = inner_product(b.values, aty.download());
    const reference::Expected magnitudes =
        reference::gemm(Transpose::no, Transpose::no, 1.0, a, b, 0.0, nan_matrix(m, n));
    double s = 0.0;
    for (std::size_t i = 0; i < y.values.size(); ++i) s += magnitudes.error_scale[i] * std::fabs(y.values[i]);
    const double bound = (static_cast<double>(k + m) + 4.0) * u * s +
                         2.0 * double_sum_error(static_cast<std::size_t>(m * n + k * n), 2.0 * s);
    expect_identity(context, "<A B, y> against <B, A^T y>", left, right, bound, worst);
}

// Broadcasting a row vector over m rows and summing the columns are adjoint: <1 b^T, Y> = <b, 1^T Y>.
// 1 b^T is add_row_vector on zeros (exact); the column sums are within (m + 2) u of their terms'
// magnitudes (tolerance::accumulation).
void row_vector_adjoint_pair(CaseContext& context, PairMeasurement& worst) {
    Backend& backend = context.backend();
    Random& random = context.random();
    constexpr std::int64_t rows = 300;
    constexpr std::int64_t cols = 129;
    constexpr double u = float_unit_roundoff;
    const std::vector<float> b = random_values(random, cols);
    const HostMatrix y = random_matrix(random, rows, cols);
    GuardedArray<float> device_b(context, b, "b", Role::input);
    GuardedMatrix device_y(context, y, "y", Role::input);
    GuardedMatrix broadcast(context, nan_matrix(rows, cols), "1 b^T", Role::output);
    GuardedArray<float> sums(context, nan_values(cols), "1^T y", Role::output);
    backend.fill(broadcast.view().data, rows * cols, 0.0f);
    backend.add_row_vector(broadcast.view(), device_b.data());
    backend.column_sums(1.0f, device_y.const_view(), 0.0f, sums.data());
    const double left = inner_product(broadcast.download(), y.values);
    const double right = inner_product(b, sums.download());
    double s = 0.0;
    for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < cols; ++c) {
            const std::size_t at = static_cast<std::size_t>(r * cols + c);
            s += std::fabs(b[static_cast<std::size_t>(c)]) * std::fabs(y.values[at]);
        }
    }
    const double bound = (static_cast<double>(rows) + 2.0) * u * s +
                         2.0 * double_sum_error(static_cast<std::size_t>(rows * cols), 2.0 * s);
    expect_identity(context, "<1 b^T, y> against <b, 1^T y>", left, right, bound, worst);
}

}  // namespace

const std::vector<OperationPair>& operation_pairs() {
    static const std::vector<OperationPair> pairs = {
        {PairKind::forward_backward, "relu_forward", "relu_backward", "d/dt <y, relu(x + t v)> = <relu'(x) y, v>",
         relu_pair},
        {PairKind::forward_backward, "dropout_forward", "dropout_backward",
         "d/dt <y, dropout(x + t v)> = <mask y, v>", dropout_pair},
        {PairKind::forward_backward, "softmax_cross_entropy", "softmax_cross_entropy",
         "d/dt loss(z + t v) = <grad, v>", softmax_pair},
        {PairKind::forward_backward, "sigmoid_binary_cross_entropy", "sigmoid_binary_cross_entropy",
         "d/dt loss(z + t v) = <grad, v>", sigmoid_pair},
        {PairKind::forward_backward, "linear_softmax_cross_entropy", "linear_softmax_cross_entropy",
         "d/dt loss(x + t v, W, b) = <grad_input, v>, likewise for W and b", linear_softmax_pair},
        {PairKind::forward_backward, "layer_norm_forward", "layer_norm_backward",
         "d/dt <y, layer_norm(x + t v)> = <grad_in, v>, likewise for the gain and the bias", layer_norm_pair},
        {PairKind::adjoint, "csr_times_dense", "csr_transpose_times_dense", "<A x, y> = <x, A^T y>",
         csr_adjoint_pair},
        {PairKind::adjoint, "gemm", "gemm", "<A B, y> = <B, A^T y>", gemm_adjoint_pair},
        {PairKind::adjoint, "add_row_vector", "column_sums", "<1 b^T, y> = <b, 1^T y>", row_vector_adjoint_pair},
    };
    return pairs;
}

}  // namespace tb::conformance
