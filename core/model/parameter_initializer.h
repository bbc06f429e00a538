#pragma once
// Deterministic parameter initialisation on the host: the same seed gives the same values on every
// machine and backend (a splitmix64 stream, not std::*_distribution, whose output differs across
// standard libraries).

#include <cstdint>

namespace tb {

class ParameterInitializer {
public:
    explicit ParameterInitializer(std::uint64_t seed) : state_(seed) {}
    // Uniform in [-limit, limit] with limit = sqrt(6 / (fan_in + fan_out)) (Glorot and Bengio, 2010).
    void glorot_uniform(float* values, std::int64_t fan_in, std::int64_t fan_out);
    // Uniform in [-limit, limit].
    void uniform(float* values, std::int64_t count, float limit);

private:
    std::uint64_t next();
    std::uint64_t state_;
};

}  // namespace tb
