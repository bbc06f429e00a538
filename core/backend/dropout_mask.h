#pragma once
// The dropout mask as a pure function of (seed, element counter). Every backend includes this one
// definition, so a run draws the same mask on the CPU and on a GPU, and a test can recompute any
// element without replaying a generator. Everything is constexpr integer arithmetic so that CUDA device
// code can call it too (nvcc --expt-relaxed-constexpr).

#include <cstdint>

#include "core/random/splitmix64.h"

namespace tb {

// splitmix64's output for state z (core/random/splitmix64.h): the counter-based generator's draw.
constexpr std::uint64_t splitmix64(std::uint64_t z) { return splitmix64_mix(z + splitmix64_gamma); }

// Mixing the seed first makes nearby seeds (7, 8, ...) give unrelated masks instead of the same
// stream shifted by a few elements, which `seed ^ element` alone would.
constexpr std::uint64_t dropout_stream_key(std::uint64_t seed) { return splitmix64(seed); }

// A uniform float in [0, 1) from the top 24 bits: exactly the float mantissa width, so every value is
// representable and 1.0 can never come out.
constexpr float dropout_uniform(std::uint64_t stream_key, std::uint64_t element) {
    return static_cast<float>(splitmix64(stream_key ^ element) >> 40) * (1.0f / 16777216.0f);
}

// The per-element factor: 0 for a dropped element, 1 / (1 - rate) for a kept one (inverted dropout).
// `keep_scale` is 1 / (1 - rate), computed once by the caller.
constexpr float dropout_factor(std::uint64_t stream_key, std::uint64_t element, float rate, float keep_scale) {
    return dropout_uniform(stream_key, element) >= rate ? keep_scale : 0.0f;
}

}  // namespace tb
