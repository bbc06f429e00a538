#include "tests/core/backend_reference.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/backend/dropout_mask.h"

namespace tb::reference {
namespace {

std::size_t index(std::int64_t row, std::int64_t col, std::int64_t cols) {
    return static_cast<std::size_t>(row * cols + col);
}

Expected sized(std::size_t count) {
    Expected out;
    out.values.assign(count, 0.0);
    out.error_scale.assign(count, 0.0);
    return out;
}

// op(m)[row, col] for a stored row-major matrix.
double element(const HostMatrix& m, Transpose transpose, std::int64_t row, std::int64_t col) {
    return transpose == Transpose::yes ? m.at(col, row) : m.at(row, col);
}

// The BLAS reading of beta: with beta == 0 the old output is not read (it may be NaN).
double kept_part(double beta, float old_value) { return beta == 0.0 ? 0.0 : beta * old_value; }

std::int64_t label_count(const HostCsr& labels, std::int64_t row) { return labels.row_nnz(row); }

double softplus(double x) { return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x))); }
double sigmoid(double x) { return 1.0 / (1.0 + std::exp(-x)); }

}  // namespace

Expected gemm(Transpose transpose_a, Transpose transpose_b, double alpha, const HostMatrix& a, const HostMatrix& b,
              double beta, const HostMatrix& c) {
    const std::int64_t inner = transpose_a == Transpose::yes ? a.rows : a.cols;
    Expected out = sized(c.values.size());
    for (std::int64_t i = 0; i < c.rows; ++i) {
        for (std::int64_t j = 0; j < c.cols; ++j) {
            double total = 0.0;
            double magnitude = 0.0;
            for (std::int64_t p = 0; p < inner; ++p) {
                const double product = element(a, transpose_a, i, p) * element(b, transpose_b, p, j);
                total += product;
                magnitude += std::fabs(product);
            }
            const double kept = kept_part(beta, c.at(i, j));
            out.values[index(i, j, c.cols)] = alpha * total + kept;
            out.error_scale[index(i, j, c.cols)] = std::fabs(alpha) * magnitude + std::fabs(kept);
        }
    }
    return out;
}

Expected csr_times_dense(double alpha, const HostCsr& a, const HostMatrix& b, double beta, const HostMatrix& c) {
    Expected out = sized(c.values.size());
    for (std::int64_t i = 0; i < a.rows; ++i) {
        for (std::int64_t j = 0; j < b.cols; ++j) {
            double total = 0.0;
            double magnitude = 0.0;
            for (std::int64_t p = a.row_offsets[i]; p < a.row_offsets[i + 1]; ++p) {
                const double product = static_cast<double>(a.values[p]) * b.at(a.column_indices[p], j);
                total += product;
                magnitude += std::fabs(product);
            }
            const double kept = kept_part(beta, c.at(i, j));
            out.values[index(i, j, c.cols)] = alpha * total + kept;
            out.error_scale[index(i, j, c.cols)] = std::fabs(alpha) * magnitude + std::fabs(kept);
        }
    }
    return out;
}

Expected csr_transpose_times_dense(double alpha, const HostCsr& a, const HostMatrix& b, double beta,
                                   const HostMatrix& c) {
    std::vector<double> total(c.values.size(), 0.0);
    std::vector<double> magnitude(c.values.size(), 0.0);
    for (std::int64_t i = 0; i < a.rows; ++i) {
        for (std::int64_t p = a.row_offsets[i]; p < a.row_offsets[i + 1]; ++p) {
            const std::int64_t row = a.column_indices[p];
            for (std::int64_t j = 0; j < b.cols; ++j) {
                const double product = static_cast<double>(a.values[p]) * b.at(i, j);
                total[index(row, j, c.cols)] += product;
                magnitude[index(row, j, c.cols)] += std::fabs(product);
            }
        }
    }
    Expected out = sized(c.values.size());
    for (std::size_t e = 0; e < c.values.size(); ++e) {
        const double kept = kept_part(beta, c.values[e]);
        out.values[e] = alpha * total[e] + kept;
        out.error_scale[e] = std::fabs(alpha) * magnitude[e] + std::fabs(kept);
    }
    return out;
}

Expected scale(const std::vector<float>& x, double alpha) {
    Expected out = sized(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        out.values[i] = alpha * x[i];
        out.error_scale[i] = std::fabs(out.values[i]);
    }
    return out;
}

Expected axpby(double alpha, const std::vector<float>& x, double beta, const std::vector<float>& y) {
    Expected out = sized(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        const double kept = kept_part(beta, y[i]);
        out.values[i] = alpha * x[i] + kept;
        out.error_scale[i] = std::fabs(alpha * x[i]) + std::fabs(kept);
    }
    return out;
}

Expected add_row_vector(const HostMatrix& m, const std::vector<float>& row_vector) {
    Expected out = sized(m.values.size());
    for (std::int64_t i = 0; i < m.rows; ++i) {
        for (std::int64_t j = 0; j < m.cols; ++j) {
            out.values[index(i, j, m.cols)] = static_cast<double>(m.at(i, j)) + row_vector[j];
            out.error_scale[index(i, j, m.cols)] = std::fabs(m.at(i, j)) + std::fabs(row_vector[j]);
        }
    }
    return out;
}

Expected row_dot(double alpha, const HostMatrix& a, const HostMatrix& b, double beta, const std::vector<float>& out_before) {
    Expected out = sized(out_before.size());
    for (std::int64_t i = 0; i < a.rows; ++i) {
        double total = 0.0;
        double magnitude = 0.0;
        for (std::int64_t j = 0; j < a.cols; ++j) {
            const double product = static_cast<double>(a.at(i, j)) * b.at(i, j);
            total += product;
            magnitude += std::fabs(product);
        }
        const double kept = kept_part(beta, out_before[i]);
        out.values[i] = alpha * total + kept;
        out.error_scale[i] = std::fabs(alpha) * magnitude + std::fabs(kept);
    }
    return out;
}

Expected scale_rows(const HostMatrix& in, const std::vector<float>& scale, double beta, const HostMatrix& out_before) {
    Expected out = sized(in.values.size());
    for (std::int64_t i = 0; i < in.rows; ++i) {
        for (std::int64_t j = 0; j < in.cols; ++j) {
            const double scaled = static_cast<double>(scale[i]) * in.at(i, j);
            const double kept = kept_part(beta, out_before.at(i, j));
            out.values[index(i, j, in.cols)] = scaled + kept;
            out.error_scale[index(i, j, in.cols)] = std::fabs(scaled) + std::fabs(kept);
        }
    }
    return out;
}

Expected column_sums(double alpha, const HostMatrix& m, double beta, const std::vector<float>& out_before) {
    Expected out = sized(out_before.size());
    for (std::int64_t j = 0; j < m.cols; ++j) {
        double total = 0.0;
        double magnitude = 0.0;
        for (std::int64_t i = 0; i < m.rows; ++i) {
            total += m.at(i, j);
            magnitude += std::fabs(m.at(i, j));
        }
        const double kept = kept_part(beta, out_before[j]);
        out.values[j] = alpha * total + kept;
        out.error_scale[j] = std::fabs(alpha) * magnitude + std::fabs(kept);
    }
    return out;
}

Expected relu_forward(const std::vector<float>& in) {
    Expected out = sized(in.size());
    for (std::size_t i = 0; i < in.size(); ++i) {
        out.values[i] = std::max(static_cast<double>(in[i]), 0.0);
        out.error_scale[i] = std::fabs(out.values[i]);
    }
    return out;
}

Expected relu_backward(const std::vector<float>& activation, const std::vector<float>& grad_out) {
    Expected out = sized(activation.size());
    for (std::size_t i = 0; i < activation.size(); ++i) {
        out.values[i] = activation[i] > 0.0f ? grad_out[i] : 0.0;
        out.error_scale[i] = std::fabs(out.values[i]);
    }
    return out;
}

Expected dropout_mask(std::int64_t count, float rate, std::uint64_t seed, std::uint64_t stream_offset) {
    Expected out = sized(static_cast<std::size_t>(count));
    const std::uint64_t key = dropout_stream_key(seed);
    const float keep_scale = 1.0f / (1.0f - rate);
    for (std::int64_t i = 0; i < count; ++i) {
        out.values[i] = dropout_factor(key, stream_offset + static_cast<std::uint64_t>(i), rate, keep_scale);
        out.error_scale[i] = std::fabs(out.values[i]);
    }
    return out;
}

Expected multiply(const std::vector<float>& x, const std::vector<float>& factors) {
    Expected out = sized(x.size());
    for (std::size_t i = 0; i < x.size(); ++i) {
        out.values[i] = static_cast<double>(x[i]) * factors[i];
        out.error_scale[i] = std::fabs(out.values[i]);
    }
    return out;
}

// A float evaluation of layer_norm_forward's formula (backend.h), with m = fl(mean) and s =
// fl(inverse_std) from double sums over the row's n columns, errs to first order, in units of u:
//  - in m by M = |mean| + n 2^-29 mean|x|: the rounding to float, and the double sum of n terms, which
//    is within n 2^-53 of their magnitudes, divided by n;
//  - in s by inverse_std (1 + n 2^-28): the rounding to float, and the double variance's n + 6 roundings
//    of 2^-53, halved by the square root, with room;
//  - in h = (x - m) s by E_h = inverse_std M + (3 + n 2^-28) |xhat|: m's error and the rounding of x - m,
//    both scaled by s, then s's error and the rounding of the product;
//  - in out = gain h + bias by |gain| E_h + 2 |gain xhat| + |bias|: h's error, then the roundings of the
//    product and of the sum (a fused multiply-add saves one).
LayerNormExpected layer_norm_forward(const HostMatrix& in, const std::vector<float>& gain,
                                     const std::vector<float>& bias, double epsilon) {
    const std::int64_t n = in.cols;
    LayerNormExpected out;
    out.out = sized(in.values.size());
    out.mean = sized(static_cast<std::size_t>(in.rows));
    out.inverse_std = sized(static_cast<std::size_t>(in.rows));
    for (std::int64_t r = 0; r < in.rows; ++r) {
        double sum = 0.0;
        double magnitude = 0.0;
        for (std::int64_t j = 0; j < n; ++j) {
            sum += in.at(r, j);
            magnitude += std::fabs(in.at(r, j));
        }
        const double mean = sum / static_cast<double>(n);
        double squares = 0.0;
        for (std::int64_t j = 0; j < n; ++j) squares += (in.at(r, j) - mean) * (in.at(r, j) - mean);
        const double inverse_std = 1.0 / std::sqrt(squares / static_cast<double>(n) + epsilon);
        const double width_term = static_cast<double>(n) * 0x1p-28;
        const double mean_error = std::fabs(mean) + 0x1p-29 * magnitude;  // n 2^-29 mean|x|
        const std::size_t row = static_cast<std::size_t>(r);
        out.mean.values[row] = mean;
        out.mean.error_scale[row] = mean_error;
        out.inverse_std.values[row] = inverse_std;
        out.inverse_std.error_scale[row] = inverse_std * (1.0 + width_term);
        for (std::int64_t j = 0; j < n; ++j) {
            const double normalized = (in.at(r, j) - mean) * inverse_std;
            const double g = gain[static_cast<std::size_t>(j)];
            const double b = bias[static_cast<std::size_t>(j)];
            const double normalized_error = inverse_std * mean_error + (3.0 + width_term) * std::fabs(normalized);
            out.out.values[index(r, j, n)] = g * normalized + b;
            out.out.error_scale[index(r, j, n)] =
                std::fabs(g) * normalized_error + 2.0 * std::fabs(g * normalized) + std::fabs(b);
        }
    }
    return out;
}

// layer_norm_backward at the given statistics m and s, exact inputs here: with xhat = (x - m) s,
// g = dy gain and the row means A = sum |g| / n and B = sum |g xhat| / n, a float evaluation errs to
// first order, in units of u:
//  - in h = fl(fl(x - m) s) by 2 |xhat|, in fl(dy gain) by |g|;
//  - in the row means a = sum g / n and b = sum g h / n, summed in double and rounded to float, by 2 A
//    and 4 B: g's and h's errors carried through the sums, and the rounding;
//  - in (g - a) - h b by 2 |g| + 3 A + 7 |xhat| B, and the rounding of the difference, |g| + A + |xhat| B;
//  - in the product with s by s (|g| + A + |xhat| B): in all s (4 |g| + 5 A + 9 |xhat| B).
// grad_gain = sum_r dy h + beta old errs by 2 sum_r |dy xhat| (h's error) and a rounding of the result,
// 3 sum_r |dy xhat| + |beta old|; grad_bias, a double sum of floats, by a rounding, sum_r |dy| +
// |beta old|. The double sums add n 2^-53 of their terms' magnitudes, below a millionth of u at the
// suite's sizes, which the suite's factor covers.
LayerNormGradients layer_norm_backward(const HostMatrix& in, const std::vector<double>& mean,
                                       const std::vector<double>& inverse_std, const std::vector<float>& gain,
                                       const HostMatrix& grad_out, double parameter_beta,
                                       const std::vector<float>& grad_gain_before,
                                       const std::vector<float>& grad_bias_before) {
    const std::int64_t n = in.cols;
    LayerNormGradients out;
    out.grad_in = sized(in.values.size());
    out.grad_gain = sized(static_cast<std::size_t>(n));
    out.grad_bias = sized(static_cast<std::size_t>(n));
    std::vector<double> gain_magnitude(static_cast<std::size_t>(n), 0.0);
    std::vector<double> bias_magnitude(static_cast<std::size_t>(n), 0.0);
    std::vector<double> normalized(static_cast<std::size_t>(n));
    std::vector<double> scaled(static_cast<std::size_t>(n));
    for (std::int64_t r = 0; r < in.rows; ++r) {
        const double m = mean[static_cast<std::size_t>(r)];
        const double s = inverse_std[static_cast<std::size_t>(r)];
        double a = 0.0;
        double b = 0.0;
        double a_magnitude = 0.0;
        double b_magnitude = 0.0;
        for (std::int64_t j = 0; j < n; ++j) {
            const std::size_t c = static_cast<std::size_t>(j);
            normalized[c] = (in.at(r, j) - m) * s;
            scaled[c] = static_cast<double>(grad_out.at(r, j)) * gain[c];
            a += scaled[c];
            b += scaled[c] * normalized[c];
            a_magnitude += std::fabs(scaled[c]);
            b_magnitude += std::fabs(scaled[c] * normalized[c]);
            const double dy = grad_out.at(r, j);
            out.grad_gain.values[c] += dy * normalized[c];
            gain_magnitude[c] += std::fabs(dy * normalized[c]);
            out.grad_bias.values[c] += dy;
            bias_magnitude[c] += std::fabs(dy);
        }
        const double count = static_cast<double>(n);
        a /= count;
        b /= count;
        a_magnitude /= count;
        b_magnitude /= count;
        for (std::int64_t j = 0; j < n; ++j) {
            const std::size_t c = static_cast<std::size_t>(j);
            out.grad_in.values[index(r, j, n)] = s * (scaled[c] - a - normalized[c] * b);
            out.grad_in.error_scale[index(r, j, n)] =
                std::fabs(s) *
                (4.0 * std::fabs(scaled[c]) + 5.0 * a_magnitude + 9.0 * std::fabs(normalized[c]) * b_magnitude);
        }
    }
    for (std::int64_t j = 0; j < n; ++j) {
        const std::size_t c = static_cast<std::size_t>(j);
        const double kept_gain = kept_part(parameter_beta, grad_gain_before[c]);
        const double kept_bias = kept_part(parameter_beta, grad_bias_before[c]);
        out.grad_gain.values[c] += kept_gain;
        out.grad_gain.error_scale[c] = 3.0 * gain_magnitude[c] + std::fabs(kept_gain);
        out.grad_bias.values[c] += kept_bias;
        out.grad_bias.error_scale[c] = bias_magnitude[c] + std::fabs(kept_bias);
    }
    return out;
}

Expected weighted_sum(const std::vector<std::vector<float>>& sources, const std::vector<double>& weights) {
    const std::size_t count = sources.empty() ? 0 : sources.front().size();
    Expected out = sized(count);
    for (std::size_t i = 0; i < count; ++i) {
        double magnitudes = 0.0;
        for (std::size_t s = 0; s < sources.size(); ++s) {
            out.values[i] += weights[s] * static_cast<double>(sources[s][i]);
            magnitudes += std::fabs(weights[s] * static_cast<double>(sources[s][i]));
        }
        out.error_scale[i] = std::fabs(out.values[i]) + static_cast<double>(sources.size()) * 0x1p-29 * magnitudes;
    }
    return out;
}

Expected sum(const std::vector<float>& x) {
    Expected out = sized(1);
    for (float v : x) {
        out.values[0] += v;
        out.error_scale[0] += std::fabs(v);
    }
    return out;
}

Expected dot(const std::vector<float>& x, const std::vector<float>& y) {
    Expected out = sized(1);
    for (std::size_t i = 0; i < x.size(); ++i) {
        out.values[0] += static_cast<double>(x[i]) * y[i];
        out.error_scale[0] += std::fabs(static_cast<double>(x[i]) * y[i]);
    }
    return out;
}

Expected sum_of_squares(const std::vector<float>& x) {
    Expected out = sized(1);
    for (float v : x) out.values[0] += static_cast<double>(v) * v;
    out.error_scale[0] = out.values[0];
    return out;
}

double softmax_cross_entropy_loss(const std::vector<double>& logits, std::int64_t rows, std::int64_t cols,
                                  const HostCsr& labels) {
    double loss = 0.0;
    for (std::int64_t i = 0; i < rows; ++i) {
        const std::int64_t count = label_count(labels, i);
        if (count == 0) continue;
        const double* x = logits.data() + i * cols;
        const double maximum = *std::max_element(x, x + cols);
        double exponential_sum = 0.0;
        for (std::int64_t j = 0; j < cols; ++j) exponential_sum += std::exp(x[j] - maximum);
        const double log_normalizer = maximum + std::log(exponential_sum);
        for (std::int32_t label : labels.row_columns(i)) loss -= (x[label] - log_normalizer) / count;
    }
    return loss;
}

namespace {

// The error scales are magnitudes; the suite multiplies them by a number of unit roundoffs.
// A float implementation computes x - max with a rounding error relative to |x - max|, which exp turns
// into a relative error of p of that size. The normalizing sum S = sum_j exp(x_j - max) inherits those
// errors weighted by its terms, so its relative error is bounded by the p-weighted mean shift
// sum_j p_j (max - x_j): with extreme logits the far-off columns carry no weight (and the row's full
// range would make the bound meaningless). exp, the division and the scaling add a few roundings of p
// itself. So p's scale is p (|x - max| + mean shift + 1). The row's loss, max - mean of the label
// logits + log S, rounds relative to (max - label mean) + mean shift + log S + 1.
LossExpected softmax_cross_entropy_of(const std::vector<double>& x, std::int64_t rows, std::int64_t cols,
                                      const HostCsr& labels, double grad_scale) {
    LossExpected out;
    out.grad = sized(x.size());
    out.loss = softmax_cross_entropy_loss(x, rows, cols, labels);
    for (std::int64_t i = 0; i < rows; ++i) {
        const std::int64_t count = label_count(labels, i);
        if (count == 0) continue;  // no loss and a zero gradient
        const double* row = x.data() + i * cols;
        const double maximum = *std::max_element(row, row + cols);
        double exponential_sum = 0.0;
        for (std::int64_t j = 0; j < cols; ++j) exponential_sum += std::exp(row[j] - maximum);
        double mean_shift = 0.0;
        for (std::int64_t j = 0; j < cols; ++j) {
            mean_shift += std::exp(row[j] - maximum) / exponential_sum * (maximum - row[j]);
        }
        double label_mean = 0.0;
        for (std::int32_t label : labels.row_columns(i)) label_mean += row[label] / count;
        out.loss_error_scale += (maximum - label_mean) + mean_shift + std::log(exponential_sum) + 1.0;
        for (std::int64_t j = 0; j < cols; ++j) {
            const double probability = std::exp(row[j] - maximum) / exponential_sum;
            out.grad.values[index(i, j, cols)] = grad_scale * probability;
            out.grad.error_scale[index(i, j, cols)] =
                std::fabs(grad_scale) * probability * (maximum - row[j] + mean_shift + 1.0);
        }
        for (std::int32_t label : labels.row_columns(i)) {
            out.grad.values[index(i, label, cols)] -= grad_scale / count;
            out.grad.error_scale[index(i, label, cols)] += std::fabs(grad_scale) / count;
        }
    }
    return out;
}

}  // namespace

LossExpected softmax_cross_entropy(const HostMatrix& logits, const HostCsr& labels, double grad_scale) {
    const std::vector<double> x(logits.values.begin(), logits.values.end());
    return softmax_cross_entropy_of(x, logits.rows, logits.cols, labels, grad_scale);
}

// Backend::linear_softmax_cross_entropy with first-order error scales of its float evaluation, every
// rounding counted, in units of u:
// - The logits z = input W + b, sums of in + 1 terms, are off by up to dz = (in + 1) a, with
//   a_rc = sum_k |input_rk W_kc| + |b_c|, in any summation order (Higham, section 3.1).
// - Through the softmax, dp_c = p_c (dz_c - sum_c' p_c' dz_c') to first order, so |dp_c| is at most
//   p_c (dz_c + the p-weighted mean of dz): as sound as the row's largest dz in its place, and tighter
//   where the far-off columns carry no weight.
// - G = grad_scale (p - target) adds the softmax's own rounding: softmax_cross_entropy's scale above,
//   times the 8 + outputs roundings the suite allows for it (tolerance::softmax_gradient).
// - grad_weight_kc = sum_r input_rk G_rc inherits sum_r |input_rk| dG_rc and adds its own accumulation,
//   rows sum_r |input_rk G_rc|; grad_bias_c = sum_r G_rc (rows terms) and grad_input_rk =
//   sum_c G_rc W_kc (outputs terms) likewise.
// - A row's loss moves by sum_c (p_c - t_c) dz_c, at most sum_c |p_c - t_c| dz_c, on top of
//   softmax_cross_entropy's loss scale times the 8 + outputs + rows roundings the suite allows for it
//   (tolerance::loss_value).
// Rows without labels have no loss and a zero G whatever their logits: their dz counts nowhere.
LinearSoftmaxExpected linear_softmax_cross_entropy(const HostMatrix& input, const HostMatrix& weight,
                                                   const std::vector<float>& bias, const HostCsr& labels,
                                                   double grad_scale) {
    // What the suite's tolerances allow per element of the softmax's gradient and of the loss, besides
    // one rounding per summed term (backend_conformance_suite.cpp, tolerance::softmax_gradient and
    // tolerance::loss_value).
    constexpr double softmax_roundings = 8.0;
    const std::int64_t rows = input.rows;
    const std::int64_t in = input.cols;
    const std::int64_t outputs = weight.cols;
    std::vector<double> logits(static_cast<std::size_t>(rows * outputs), 0.0);
    std::vector<double> logit_error(logits.size(), 0.0);
    for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < outputs; ++c) {
            double total = bias[static_cast<std::size_t>(c)];
            double magnitude = std::fabs(total);
            for (std::int64_t k = 0; k < in; ++k) {
                const double product = static_cast<double>(input.at(r, k)) * weight.at(k, c);
                total += product;
                magnitude += std::fabs(product);
            }
            logits[index(r, c, outputs)] = total;
            logit_error[index(r, c, outputs)] = static_cast<double>(in + 1) * magnitude;
        }
    }
    // p - target and its own error scale (grad_scale 1), then G and its whole error scale.
    const LossExpected softmax = softmax_cross_entropy_of(logits, rows, outputs, labels, 1.0);
    std::vector<double> g(logits.size(), 0.0);
    std::vector<double> g_error(logits.size(), 0.0);
    LinearSoftmaxExpected out;
    out.loss = softmax.loss;
    out.loss_error_scale =
        (softmax_roundings + static_cast<double>(outputs + rows)) * softmax.loss_error_scale;
    for (std::int64_t r = 0; r < rows; ++r) {
        const std::int64_t count = label_count(labels, r);
        if (count == 0) continue;
        std::vector<double> target(static_cast<std::size_t>(outputs), 0.0);
        for (std::int32_t label : labels.row_columns(r)) target[static_cast<std::size_t>(label)] = 1.0 / count;
        double mean_logit_error = 0.0;
        for (std::int64_t c = 0; c < outputs; ++c) {
            const double probability = softmax.grad.values[index(r, c, outputs)] + target[static_cast<std::size_t>(c)];
            mean_logit_error += probability * logit_error[index(r, c, outputs)];
        }
        for (std::int64_t c = 0; c < outputs; ++c) {
            const std::size_t e = index(r, c, outputs);
            const double difference = softmax.grad.values[e];  // p - target
            const double probability = difference + target[static_cast<std::size_t>(c)];
            out.loss_error_scale += std::fabs(difference) * logit_error[e];
            g[e] = grad_scale * difference;
            g_error[e] = std::fabs(grad_scale) *
                         (probability * (logit_error[e] + mean_logit_error) +
                          (softmax_roundings + static_cast<double>(outputs)) * softmax.grad.error_scale[e]);
        }
    }
    out.grad_weight = sized(static_cast<std::size_t>(in * outputs));
    out.grad_bias = sized(static_cast<std::size_t>(outputs));
    out.grad_input = sized(static_cast<std::size_t>(rows * in));
    std::vector<double> weight_magnitude(static_cast<std::size_t>(in * outputs), 0.0);
    std::vector<double> bias_magnitude(static_cast<std::size_t>(outputs), 0.0);
    for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t c = 0; c < outputs; ++c) {
            const std::size_t e = index(r, c, outputs);
            out.grad_bias.values[static_cast<std::size_t>(c)] += g[e];
            out.grad_bias.error_scale[static_cast<std::size_t>(c)] += g_error[e];
            bias_magnitude[static_cast<std::size_t>(c)] += std::fabs(g[e]);
            for (std::int64_t k = 0; k < in; ++k) {
                const double x = input.at(r, k);
                const std::size_t w = index(k, c, outputs);
                out.grad_weight.values[w] += x * g[e];
                out.grad_weight.error_scale[w] += std::fabs(x) * g_error[e];
                weight_magnitude[w] += std::fabs(x * g[e]);
            }
        }
    }
    for (std::size_t w = 0; w < weight_magnitude.size(); ++w) {
        out.grad_weight.error_scale[w] += static_cast<double>(rows) * weight_magnitude[w];
    }
    for (std::size_t c = 0; c < bias_magnitude.size(); ++c) {
        out.grad_bias.error_scale[c] += static_cast<double>(rows) * bias_magnitude[c];
    }
    for (std::int64_t r = 0; r < rows; ++r) {
        for (std::int64_t k = 0; k < in; ++k) {
            double total = 0.0;
            double inherited = 0.0;
            double magnitude = 0.0;
            for (std::int64_t c = 0; c < outputs; ++c) {
                const std::size_t e = index(r, c, outputs);
                const double w = weight.at(k, c);
                total += g[e] * w;
                inherited += g_error[e] * std::fabs(w);
                magnitude += std::fabs(g[e] * w);
            }
            out.grad_input.values[index(r, k, in)] = total;
            out.grad_input.error_scale[index(r, k, in)] = inherited + static_cast<double>(outputs) * magnitude;
        }
    }
    return out;
}

double sigmoid_binary_cross_entropy_loss(const std::vector<double>& logits, std::int64_t rows, std::int64_t cols,
                                         const HostCsr& labels) {
    double loss = 0.0;
    for (std::int64_t i = 0; i < rows; ++i) {
        for (std::int64_t j = 0; j < cols; ++j) loss += softplus(logits[index(i, j, cols)]);
        for (std::int32_t label : labels.row_columns(i)) loss -= logits[index(i, label, cols)];
    }
    return loss;
}

// Per element a float implementation rounds softplus(x) = max(x, 0) + log(1 + exp(-|x|)) to a few ulp
// of itself. At a label it may also form softplus(x) - x in float, which rounds relative to |x|: for a
// confident wrong answer (x very negative) that term is about |x| while softplus(x) is about 0, so |x|
// joins the scale there. sigmoid(x) comes out within a few ulp of itself.
LossExpected sigmoid_binary_cross_entropy(const HostMatrix& logits, const HostCsr& labels, double grad_scale) {
    LossExpected out;
    out.grad = sized(logits.values.size());
    const std::vector<double> x(logits.values.begin(), logits.values.end());
    out.loss = sigmoid_binary_cross_entropy_loss(x, logits.rows, logits.cols, labels);
    for (std::size_t e = 0; e < x.size(); ++e) {
        out.loss_error_scale += softplus(x[e]);
        out.grad.values[e] = grad_scale * sigmoid(x[e]);
        out.grad.error_scale[e] = std::fabs(out.grad.values[e]);
    }
    for (std::int64_t i = 0; i < logits.rows; ++i) {
        for (std::int32_t label : labels.row_columns(i)) {
            out.loss_error_scale += std::fabs(x[index(i, label, logits.cols)]);
            out.grad.values[index(i, label, logits.cols)] -= grad_scale;
            out.grad.error_scale[index(i, label, logits.cols)] += std::fabs(grad_scale);
        }
    }
    return out;
}

std::vector<std::int32_t> top_k(const HostMatrix& scores, int k) {
    std::vector<std::int32_t> out;
    std::vector<std::int32_t> order(static_cast<std::size_t>(scores.cols));
    for (std::int64_t i = 0; i < scores.rows; ++i) {
        std::iota(order.begin(), order.end(), 0);
        std::stable_sort(order.begin(), order.end(), [&](std::int32_t first, std::int32_t second) {
            return scores.at(i, first) > scores.at(i, second);
        });
        out.insert(out.end(), order.begin(), order.begin() + k);
    }
    return out;
}

namespace {

// One parameter through the formula of backend.h, with the error scales of its float evaluation:
// every rounding is relative to one of |w|, |g|, |wd w|, |mu v|, and the step passes through lr and,
// for Nesterov, through mu once more.
void sgd_element(double w, double g, double v, bool has_velocity, const SgdHyperparameters& hyper, double& w_out,
                 double& w_scale, double& v_out, double& v_scale) {
    const double lr = hyper.learning_rate;
    const double mu = hyper.momentum;
    const double decayed = g + hyper.weight_decay * w;
    const double terms = std::fabs(g) + std::fabs(hyper.weight_decay * w) + std::fabs(mu * v);
    v_out = has_velocity ? mu * v + decayed : 0.0;
    v_scale = has_velocity ? terms : 0.0;
    const double step = !has_velocity ? decayed : (hyper.nesterov ? decayed + mu * v_out : v_out);
    w_out = w - lr * step;
    w_scale = std::fabs(w) + std::fabs(lr) * (1.0 + std::fabs(mu)) * terms;
}

}  // namespace

Expected gather_rows(const HostMatrix& source, const std::vector<std::int32_t>& rows) {
    Expected out = sized(rows.size() * static_cast<std::size_t>(source.cols));
    for (std::size_t i = 0; i < rows.size(); ++i) {
        for (std::int64_t j = 0; j < source.cols; ++j) {
            const double value = source.at(rows[i], j);
            out.values[index(static_cast<std::int64_t>(i), j, source.cols)] = value;
            out.error_scale[index(static_cast<std::int64_t>(i), j, source.cols)] = std::fabs(value);
        }
    }
    return out;
}

Expected scatter_rows(const HostMatrix& in, const std::vector<std::int32_t>& rows, const HostMatrix& destination) {
    Expected out = sized(destination.values.size());
    for (std::size_t e = 0; e < destination.values.size(); ++e) {
        out.values[e] = destination.values[e];
        out.error_scale[e] = std::fabs(destination.values[e]);
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        for (std::int64_t j = 0; j < in.cols; ++j) {
            const double value = in.at(static_cast<std::int64_t>(i), j);
            out.values[index(rows[i], j, destination.cols)] = value;
            out.error_scale[index(rows[i], j, destination.cols)] = std::fabs(value);
        }
    }
    return out;
}

// Error scales: a value's scale is |w| + |its step| (the step's few roundings and the subtraction are
// relative to those), a moment's or accumulator's the magnitudes of the terms it sums; the step count is
// exact.
Expected lazy_row_update(const HostMatrix& records, const std::vector<std::int32_t>& rows, const HostMatrix& gradient,
                         const RowOptimizerSettings& settings) {
    Expected out = sized(records.values.size());
    for (std::size_t e = 0; e < records.values.size(); ++e) {
        out.values[e] = records.values[e];
        out.error_scale[e] = std::fabs(records.values[e]);
    }
    const std::int64_t dim = gradient.cols;
    const double lr = settings.learning_rate;
    const double epsilon = settings.epsilon;
    const double beta1 = settings.beta1;
    const double beta2 = settings.beta2;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const std::int64_t row = rows[i];
        auto at = [&](std::int64_t column) { return index(row, column, records.cols); };
        const double step_count = settings.kind == RowOptimizer::adam ? records.at(row, 3 * dim) + 1.0 : 0.0;
        if (settings.kind == RowOptimizer::adam) {
            out.values[at(3 * dim)] = step_count;
            out.error_scale[at(3 * dim)] = step_count;
        }
        for (std::int64_t j = 0; j < dim; ++j) {
            const double g = gradient.at(static_cast<std::int64_t>(i), j);
            const double w = records.at(row, j);
            double step = 0.0;
            double step_carried_error = 0.0;
            switch (settings.kind) {
                case RowOptimizer::sgd: step = lr * g; break;
                case RowOptimizer::adagrad: {
                    const double a = records.at(row, dim + j) + g * g;
                    out.values[at(dim + j)] = a;
                    out.error_scale[at(dim + j)] = std::fabs(records.at(row, dim + j)) + g * g;
                    step = lr * g / (std::sqrt(a) + epsilon);
                    break;
                }
                case RowOptimizer::adam: {
                    const double m = beta1 * records.at(row, dim + j) + (1 - beta1) * g;
                    const double v = beta2 * records.at(row, 2 * dim + j) + (1 - beta2) * g * g;
                    out.values[at(dim + j)] = m;
                    out.error_scale[at(dim + j)] = std::fabs(beta1 * records.at(row, dim + j)) + std::fabs((1 - beta1) * g);
                    out.values[at(2 * dim + j)] = v;
                    out.error_scale[at(2 * dim + j)] = std::fabs(beta2 * records.at(row, 2 * dim + j)) + (1 - beta2) * g * g;
                    const double m_hat = m / (1 - std::pow(beta1, step_count));
                    const double v_hat = v / (1 - std::pow(beta2, step_count));
                    step = lr * m_hat / (std::sqrt(v_hat) + epsilon);
                    // m may cancel (its two terms of opposite signs): its rounding, relative to the terms'
                    // magnitudes rather than to m, carries into the step.
                    step_carried_error = lr * out.error_scale[at(dim + j)] / (1 - std::pow(beta1, step_count)) /
                                         (std::sqrt(v_hat) + epsilon);
                    break;
                }
            }
            out.values[at(j)] = w - step;
            out.error_scale[at(j)] = std::fabs(w) + std::fabs(step) + step_carried_error;
        }
    }
    return out;
}

SgdExpected sgd_update(const std::vector<float>& weights, const std::vector<float>& gradient,
                       const std::vector<float>& velocity, const SgdHyperparameters& hyper) {
    const bool has_velocity = !velocity.empty();
    SgdExpected out{sized(weights.size()), has_velocity ? sized(weights.size()) : Expected{}};
    for (std::size_t i = 0; i < weights.size(); ++i) {
        double v_out = 0.0;
        double v_scale = 0.0;
        sgd_element(weights[i], gradient[i], has_velocity ? velocity[i] : 0.0, has_velocity, hyper,
                    out.weights.values[i], out.weights.error_scale[i], v_out, v_scale);
        if (has_velocity) {
            out.velocity.values[i] = v_out;
            out.velocity.error_scale[i] = v_scale;
        }
    }
    return out;
}

SgdExpected sgd_update_rows(const HostMatrix& weights, const std::vector<std::int32_t>& rows,
                            const HostMatrix& grad_rows, const std::vector<float>& velocity,
                            const SgdHyperparameters& hyper) {
    const bool has_velocity = !velocity.empty();
    SgdExpected out{sized(weights.values.size()), has_velocity ? sized(weights.values.size()) : Expected{}};
    // Rows outside the batch keep their weights and (lazy momentum) their velocity.
    for (std::size_t e = 0; e < weights.values.size(); ++e) {
        out.weights.values[e] = weights.values[e];
        out.weights.error_scale[e] = std::fabs(weights.values[e]);
        if (has_velocity) {
            out.velocity.values[e] = velocity[e];
            out.velocity.error_scale[e] = std::fabs(velocity[e]);
        }
    }
    for (std::size_t i = 0; i < rows.size(); ++i) {
        for (std::int64_t j = 0; j < weights.cols; ++j) {
            const std::size_t e = index(rows[i], j, weights.cols);
            double v_out = 0.0;
            double v_scale = 0.0;
            sgd_element(weights.values[e], grad_rows.at(static_cast<std::int64_t>(i), j),
                        has_velocity ? velocity[e] : 0.0, has_velocity, hyper, out.weights.values[e],
                        out.weights.error_scale[e], v_out, v_scale);
            if (has_velocity) {
                out.velocity.values[e] = v_out;
                out.velocity.error_scale[e] = v_scale;
            }
        }
    }
    return out;
}

// Each error scale is a first-order bound, in units of the float roundoff u, on the error of evaluating
// the formula in float: every operation's rounding contributes the magnitude of its result, and errors
// carried in from its operands are propagated through it. A backend that computes in double (both of
// ours do) lies far inside it; the suite's tolerance allows a factor for the second-order terms and for
// other, equally short evaluation orders.
AdaptiveDirectionExpected adaptive_direction(const HostMatrix& weights, const std::vector<std::int32_t>* rows,
                                             const HostMatrix& gradient, const std::vector<float>& first_moment,
                                             const std::vector<float>& second_moment,
                                             const AdaptiveDirectionParameters& p) {
    const bool moments = p.moments;
    AdaptiveDirectionExpected out;
    out.direction = sized(gradient.values.size());
    if (moments) {
        out.first_moment = sized(weights.values.size());
        out.second_moment = sized(weights.values.size());
        // Untouched elements keep their moments.
        for (std::size_t e = 0; e < weights.values.size(); ++e) {
            out.first_moment.values[e] = first_moment[e];
            out.first_moment.error_scale[e] = std::fabs(first_moment[e]);
            out.second_moment.values[e] = second_moment[e];
            out.second_moment.error_scale[e] = std::fabs(second_moment[e]);
        }
    }
    const double s = p.gradient_scale;
    const double l2 = p.l2_weight_decay;
    const double decoupled = p.decoupled_weight_decay;
    const double beta1 = p.beta1;
    const double beta2 = p.beta2;
    const double c1 = p.first_moment_correction;
    const double c2 = p.second_moment_correction;
    const double epsilon = p.epsilon;
    // A sum of n squares in double, in any order, is off by at most n roundings of 2^-53 = 2^-29 u of
    // the sum (all terms are positive, so the sum is its own magnitude).
    const double summation = static_cast<double>(gradient.values.size()) * 0x1p-29;
    double direction_squared_error = 0.0;
    for (std::int64_t i = 0; i < gradient.rows; ++i) {
        const std::int64_t row = rows != nullptr ? (*rows)[static_cast<std::size_t>(i)] : i;
        for (std::int64_t j = 0; j < gradient.cols; ++j) {
            const std::size_t e = index(row, j, weights.cols);       // weights and moments
            const std::size_t compact = index(i, j, gradient.cols);  // gradient and direction
            const double w = weights.values[e];
            const double g = s * gradient.values[compact];
            const double decayed = g + l2 * w;
            // s g and l2 w, then their sum.
            const double decayed_magnitude = std::fabs(g) + std::fabs(l2 * w);
            const double decayed_error = 2.0 * decayed_magnitude;
            const double decay_term = std::fabs(decoupled * w);
            double d = 0.0;
            double d_error = 0.0;
            if (moments) {
                const double m0 = first_moment[e];
                const double v0 = second_moment[e];
                const double m = beta1 * m0 + (1.0 - beta1) * decayed;
                const double v = beta2 * v0 + (1.0 - beta2) * decayed * decayed;
                // beta1 m0, 1 - beta1 (exact for beta >= 0.5, counted anyway), its product, the sum.
                const double m_error =
                    (1.0 - beta1) * decayed_error + beta1 * std::fabs(m0) + 2.0 * (1.0 - beta1) * std::fabs(decayed) +
                    std::fabs(m);
                // g'^2, 1 - beta2, its product, beta2 v0, the sum; all terms are positive.
                const double v_error = 2.0 * (1.0 - beta2) * std::fabs(decayed) * decayed_error + beta2 * v0 +
                                       3.0 * (1.0 - beta2) * decayed * decayed + v;
                const double root = std::sqrt(v * c2);
                // sqrt halves the relative error of v c2 (v's own and the product's rounding), then rounds.
                // Where v is 0 the float v is at most (1 - beta2) (u decayed_error)^2, whose root is what
                // the bound then needs; (1 - beta2) |g'| / sqrt(v) never exceeds sqrt(1 - beta2) anyway.
                const double root_error = v > 0.0 ? std::sqrt(c2) * v_error / (2.0 * std::sqrt(v)) + 1.5 * root
                                                   : std::sqrt(c2 * (1.0 - beta2)) * decayed_error;
                const double denominator = root + epsilon;
                const double denominator_error = root_error + denominator;
                const double numerator = m * c1;
                const double numerator_error = c1 * m_error + std::fabs(numerator);
                const double quotient = numerator / denominator;
                const double quotient_error = numerator_error / denominator +
                                              std::fabs(quotient) * denominator_error / denominator +
                                              std::fabs(quotient);
                d = quotient + decoupled * w;
                d_error = quotient_error + decay_term + std::fabs(d);
                out.first_moment.values[e] = m;
                out.first_moment.error_scale[e] = m_error;
                out.second_moment.values[e] = v;
                out.second_moment.error_scale[e] = v_error;
            } else {
                d = decayed + decoupled * w;
                d_error = decayed_error + decay_term + std::fabs(d);
            }
            out.direction.values[compact] = d;
            out.direction.error_scale[compact] = d_error;
            out.norms.weights += w * w;
            out.norms.gradient += g * g;
            out.norms.direction += d * d;
            direction_squared_error += 2.0 * std::fabs(d) * d_error;
        }
    }
    out.norm_error_scale.weights = summation * out.norms.weights;
    // s g may be formed in float (two roundings in its square) or in double.
    out.norm_error_scale.gradient = (2.0 + summation) * out.norms.gradient;
    out.norm_error_scale.direction = direction_squared_error + summation * out.norms.direction;
    return out;
}

}  // namespace tb::reference
