#include "core/random/random_stream.h"

#include <bit>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>

#include "core/random/splitmix64.h"

namespace tb {

RandomStream::RandomStream(std::uint64_t seed) : state_(splitmix64_mix(seed)) {}

std::uint64_t RandomStream::next_bits() { return splitmix64_next(state_); }

double RandomStream::uniform() { return static_cast<double>(next_bits() >> 11) * 0x1.0p-53; }

std::uint64_t RandomStream::below(std::uint64_t bound) {
    if (bound == 0) throw std::invalid_argument("RandomStream::below needs a bound of at least 1");
    const int bits = std::bit_width(bound - 1);
    if (bits == 0) return 0;
    for (;;) {
        const std::uint64_t candidate = next_bits() >> (64 - bits);
        if (candidate < bound) return candidate;
    }
}

double RandomStream::normal() {
    // 1 - uniform() lies in (0, 1], so the logarithm is finite.
    const double radius = std::sqrt(-2.0 * std::log(1.0 - uniform()));
    return radius * std::cos(2.0 * std::numbers::pi * uniform());
}

double RandomStream::gamma(double shape) {
    if (!(shape > 0)) throw std::invalid_argument("gamma shape must be above 0, got " + std::to_string(shape));
    if (shape < 1) {
        const double boosted = gamma(shape + 1);
        return boosted * std::pow(1.0 - uniform(), 1.0 / shape);
    }
    const double d = shape - 1.0 / 3.0;
    const double c = 1.0 / std::sqrt(9.0 * d);
    for (;;) {
        double x = 0;
        double v = 0;
        do {
            x = normal();
            v = 1.0 + c * x;
        } while (v <= 0);
        v = v * v * v;
        const double u = 1.0 - uniform();
        if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
        if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
    }
}

std::vector<double> RandomStream::symmetric_dirichlet(double alpha, int count) {
    std::vector<double> draws(static_cast<std::size_t>(count));
    double total = 0;
    for (double& draw : draws) {
        draw = gamma(alpha);
        total += draw;
    }
    // With a tiny alpha every gamma draw can underflow to 0: the mass then goes to one component at
    // random, the limit of the distribution as alpha -> 0.
    if (total <= 0) {
        draws.assign(draws.size(), 0.0);
        draws[below(draws.size())] = 1.0;
        return draws;
    }
    for (double& draw : draws) draw /= total;
    return draws;
}

}  // namespace tb
