#pragma once
// A seeded stream of random draws on splitmix64, the same on every platform: uniform integers and reals,
// standard normals, gamma and Dirichlet variates. Used where the engine needs distributions the
// standard library would make platform-dependent (its distributions are implementation-defined).

#include <cstdint>
#include <vector>

namespace tb {

class RandomStream {
public:
    explicit RandomStream(std::uint64_t seed);

    std::uint64_t next_bits();
    // Uniform in [0, 1) with 53 random bits.
    double uniform();
    // Uniform integer in [0, bound) (bound >= 1), exact by rejection.
    std::uint64_t below(std::uint64_t bound);
    // Standard normal (Box-Muller).
    double normal();
    // Gamma(shape, 1) for shape > 0 (Marsaglia and Tsang, "A simple method for generating gamma
    // variables", ACM TOMS 2000; shape < 1 through Gamma(shape + 1) * U^(1/shape)).
    double gamma(double shape);
    // Dirichlet(alpha, ..., alpha) over `count` components: normalised gamma draws.
    std::vector<double> symmetric_dirichlet(double alpha, int count);

    template <typename T>
    void shuffle(std::vector<T>& values) {
        for (std::size_t last = values.size(); last > 1; --last) std::swap(values[last - 1], values[below(last)]);
    }

private:
    std::uint64_t state_;
};

}  // namespace tb
