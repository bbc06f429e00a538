#pragma once
// Zipf-distributed ranks: P(k) proportional to k^-s for k = 1 .. n, drawn in constant expected time for any
// n (no table of n probabilities, so a vocabulary of 10^8 costs nothing) by rejection-inversion (Hormann
// and Derflinger, "Rejection-inversion to generate variates from monotone discrete distributions", ACM
// TOMACS 1996). Any exponent s > 0, including 1.

#include <cstdint>

#include "core/random/random_stream.h"

namespace tb {

class ZipfSampler {
public:
    // Throws std::invalid_argument for n < 1 or a non-positive or non-finite exponent.
    ZipfSampler(std::int64_t n, double exponent);

    std::int64_t draw(RandomStream& random) const;  // 1 .. n

    std::int64_t n() const { return n_; }
    double exponent() const { return exponent_; }

private:
    double h(double x) const;                  // x^-s, the density the ranks are cut from
    double h_integral(double x) const;         // an antiderivative of h
    double h_integral_inverse(double x) const;

    std::int64_t n_;
    double exponent_;
    double h_integral_first_;  // H(1.5) - 1: the left end of the drawn range
    double h_integral_last_;   // H(n + 0.5)
    double squeeze_;           // ranks within this distance of x are accepted without the exact test
};

}  // namespace tb
