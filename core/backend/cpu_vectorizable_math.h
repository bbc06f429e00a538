#pragma once
// Building blocks for the CPU backend's loops, written so that GCC and Clang turn them into SIMD code
// without -ffast-math (which the engine does not use):
// - exp and log1p as straight-line float arithmetic. The C library's expf and log1pf are calls the loop
//   vectorizer cannot inline (glibc's vector variants need -ffast-math), and on the 205,443-wide softmax
//   rows the scalar calls would cost more than the memory traffic. Only the argument ranges the losses
//   need are covered, which keeps both functions short and branch-free.
// - sums and maxima over independent lanes. Without -ffast-math a compiler may not reorder a float
//   reduction, so a plain loop runs one add (or max) per element, each waiting on the previous one;
//   spelling out sixteen accumulators gives it independent chains to put in vector registers, in an
//   order fixed by the source rather than by the vector width.

#include <algorithm>
#include <bit>
#include <array>
#include <cstdint>
#include <cstring>
#include <limits>

namespace tb {

// exp(x) for x <= 0 (the softmax after subtracting the row maximum, the sigmoid's exp(-|x|)), with a
// relative error of about 2 ulp. Cephes' range reduction x = n ln2 + r, |r| <= ln2 / 2, and its
// degree-7 polynomial for exp(r).
inline float exp_of_nonpositive(float x) {
    // Below this exp(x) is under FLT_MIN. The argument is clamped so that 2^n stays a normal float and
    // the result is then cleared through a bit mask: a floating-point `?:` would keep GCC from
    // vectorizing the loop (without -fno-trapping-math it will not compute both sides of a branch).
    constexpr float smallest_normal_argument = -87.33654f;
    const std::uint32_t keep_bits = x >= smallest_normal_argument ? 0xffffffffu : 0u;
    x = std::max(x, smallest_normal_argument);
    // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer without a call to nearbyint.
    constexpr float round_to_integer = 12582912.0f;
    const float n = (x * 1.44269504088896341f + round_to_integer) - round_to_integer;
    // ln 2 split in two so that n * high is exact and r keeps its low bits.
    const float r = (x - n * 0.693359375f) - n * -2.12194440e-4f;
    const float r2 = r * r;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * r2 + r + 1.0f;
    const std::int32_t biased_exponent = static_cast<std::int32_t>(n) + 127;
    const float two_to_n = std::bit_cast<float>(static_cast<std::uint32_t>(biased_exponent) << 23);
    return std::bit_cast<float>(std::bit_cast<std::uint32_t>(p * two_to_n) & keep_bits);
}

// log(1 + y) for 0 <= y <= 1 (softplus' log(1 + exp(-|x|))). With s = y / (2 + y) in [0, 1/3],
// log(1 + y) = 2 atanh(s) = 2 (s + s^3/3 + s^5/5 + ...); the terms up to s^13 leave a relative error
// below (1/3)^14 / 15 ~ 1.4e-8, under one float ulp. Computing s from y itself (not from 1 + y) keeps
// full relative accuracy when y is tiny, where log(1 + y) ~ y.
inline float log1p_of_unit_interval(float y) {
    const float s = y / (2.0f + y);
    const float s2 = s * s;
    float series = 1.0f / 13.0f;
    series = series * s2 + 1.0f / 11.0f;
    series = series * s2 + 1.0f / 9.0f;
    series = series * s2 + 1.0f / 7.0f;
    series = series * s2 + 1.0f / 5.0f;
    series = series * s2 + 1.0f / 3.0f;
    series = series * s2 + 1.0f;
    return 2.0f * s * series;
}

constexpr std::int64_t reduction_lanes = 16;

// The sum in double of term(i) for i in [begin, end). Lane l adds the terms i = begin + l (mod 16) in
// order, then the lanes are added pairwise: the same bits whatever the machine's vector width.
template <typename Term>
double lane_sum_in_double(std::int64_t begin, std::int64_t end, Term term) {
    std::array<double, reduction_lanes> partial{};
    std::int64_t i = begin;
    for (; i + reduction_lanes <= end; i += reduction_lanes) {
        for (std::int64_t lane = 0; lane < reduction_lanes; ++lane) partial[lane] += term(i + lane);
    }
    for (std::int64_t lane = 0; i < end; ++i, ++lane) partial[lane] += term(i);
    for (std::int64_t width = reduction_lanes / 2; width > 0; width /= 2) {
        for (std::int64_t lane = 0; lane < width; ++lane) partial[lane] += partial[lane + width];
    }
    return partial[0];
}

// The largest of x[0..count), -infinity when count is 0. NaNs are skipped: `value > kept` is false
// for a NaN, so the kept maximum stays. The sixteen lanes are one GCC/Clang vector: written as an array
// of floats, GCC keeps the lanes in scalar registers and the row maximum costs a third of the softmax.
inline float lane_maximum(const float* x, std::int64_t count) {
    using Lanes = float __attribute__((vector_size(reduction_lanes * sizeof(float))));
    constexpr float lowest = -std::numeric_limits<float>::infinity();
    Lanes maxima;
    for (std::int64_t lane = 0; lane < reduction_lanes; ++lane) maxima[lane] = lowest;
    std::int64_t i = 0;
    for (; i + reduction_lanes <= count; i += reduction_lanes) {
        Lanes values;
        std::memcpy(&values, x + i, sizeof(values));  // x need not be aligned to the vector's 64 bytes
        maxima = values > maxima ? values : maxima;
    }
    float maximum = lowest;
    for (std::int64_t lane = 0; lane < reduction_lanes; ++lane) maximum = maxima[lane] > maximum ? maxima[lane] : maximum;
    for (; i < count; ++i) maximum = x[i] > maximum ? x[i] : maximum;
    return maximum;
}

// The sum of x[0..count) in sixteen float lanes, lane l taking the elements i = l (mod 16) in order and
// the lanes added pairwise at the end: a fixed order, so the same bits on any vector width. For short
// rows (a block of a softmax row) where float accumulation of a few hundred terms is accurate enough.
inline float lane_sum(const float* x, std::int64_t count) {
    using Lanes = float __attribute__((vector_size(reduction_lanes * sizeof(float))));
    Lanes sums{};
    std::int64_t i = 0;
    for (; i + reduction_lanes <= count; i += reduction_lanes) {
        Lanes values;
        std::memcpy(&values, x + i, sizeof(values));
        sums += values;
    }
    for (std::int64_t lane = 0; i < count; ++i, ++lane) sums[lane] += x[i];
    for (std::int64_t width = reduction_lanes / 2; width > 0; width /= 2) {
        for (std::int64_t lane = 0; lane < width; ++lane) sums[lane] += sums[lane + width];
    }
    return sums[0];
}

}  // namespace tb
