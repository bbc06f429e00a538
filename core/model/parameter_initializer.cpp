#include "core/model/parameter_initializer.h"

#include <cmath>

#include "core/random/splitmix64.h"

namespace tb {

std::uint64_t ParameterInitializer::next() { return splitmix64_next(state_); }

void ParameterInitializer::uniform(float* values, std::int64_t count, float limit) {
    for (std::int64_t i = 0; i < count; ++i) {
        // 24 random bits give every float in [0, 1) that is a multiple of 2^-24, exactly.
        const float unit = static_cast<float>(next() >> 40) * (1.0f / 16777216.0f);
        values[i] = (2.0f * unit - 1.0f) * limit;
    }
}

void ParameterInitializer::glorot_uniform(float* values, std::int64_t fan_in, std::int64_t fan_out) {
    const float limit = std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
    uniform(values, fan_in * fan_out, limit);
}

}  // namespace tb
