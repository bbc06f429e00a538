#pragma once
// splitmix64 (Steele, Lea, Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014): the
// one random-number primitive of the engine. It gives the same sequence on every platform and backend
// (unlike the standard library's distributions), and its mixing function turns any counter into
// well-spread bits, which the counter-based streams (dropout masks, per-sample data streams) rely on.
// Everything is constexpr integer arithmetic so that CUDA device code can call it too.

#include <cstdint>

namespace tb {

inline constexpr std::uint64_t splitmix64_gamma = 0x9E3779B97F4A7C15ull;

// The finalizer: a bijection of 64-bit integers whose output bits each depend on every input bit.
constexpr std::uint64_t splitmix64_mix(std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// One step of the generator: advances the state by the golden gamma and returns the mixed state.
constexpr std::uint64_t splitmix64_next(std::uint64_t& state) {
    state += splitmix64_gamma;
    return splitmix64_mix(state);
}

}  // namespace tb
