#include "core/random/zipf_sampler.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace tb {

namespace {

// log(1 + x) / x and (exp(x) - 1) / x, exact near 0 where the quotients would lose every digit.
double log1p_over_x(double x) { return std::abs(x) > 1e-8 ? std::log1p(x) / x : 1 - x * (0.5 - x * (1.0 / 3 - 0.25 * x)); }
double expm1_over_x(double x) { return std::abs(x) > 1e-8 ? std::expm1(x) / x : 1 + x * 0.5 * (1 + x / 3 * (1 + 0.25 * x)); }

}  // namespace

ZipfSampler::ZipfSampler(std::int64_t n, double exponent) : n_(n), exponent_(exponent) {
    if (n < 1) throw std::invalid_argument("a Zipf distribution needs at least one rank, got " + std::to_string(n));
    if (!(exponent > 0) || !std::isfinite(exponent)) {
        throw std::invalid_argument("a Zipf exponent must be a positive number, got " + std::to_string(exponent));
    }
    h_integral_first_ = h_integral(1.5) - 1;
    h_integral_last_ = h_integral(static_cast<double>(n) + 0.5);
    squeeze_ = 2 - h_integral_inverse(h_integral(2.5) - h(2));
}

double ZipfSampler::h(double x) const { return std::exp(-exponent_ * std::log(x)); }

// H(x) = (x^(1-s) - 1) / (1 - s), and log x at s = 1, written so that it is exact across s = 1.
double ZipfSampler::h_integral(double x) const {
    const double log_x = std::log(x);
    return expm1_over_x((1 - exponent_) * log_x) * log_x;
}

double ZipfSampler::h_integral_inverse(double x) const {
    double t = x * (1 - exponent_);
    if (t < -1) t = -1;  // rounding can take it just past the domain's edge
    return std::exp(log1p_over_x(t) * x);
}

std::int64_t ZipfSampler::draw(RandomStream& random) const {
    // Draw u uniformly over the area under h from 1.5 - 1 to n + 0.5, invert to x, round to the rank k;
    // accept k when the draw falls under the step of height h(k) (or within the squeeze, where it always
    // does). The expected number of rounds is below 1.1 for every s and n.
    for (;;) {
        const double u = h_integral_last_ + random.uniform() * (h_integral_first_ - h_integral_last_);
        const double x = h_integral_inverse(u);
        auto k = static_cast<std::int64_t>(x + 0.5);
        if (k < 1) k = 1;
        if (k > n_) k = n_;
        if (static_cast<double>(k) - x <= squeeze_ || u >= h_integral(static_cast<double>(k) + 0.5) - h(static_cast<double>(k))) {
            return k;
        }
    }
}

}  // namespace tb
