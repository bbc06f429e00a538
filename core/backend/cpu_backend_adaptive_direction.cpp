// CpuBackend::adaptive_direction: the Adam-family and layer-wise direction (backend.h) computed where the
// data lives, in one pass, on the backend's OpenMP team. The Backend default copies every operand into
// host staging buffers and back (seven extra copies of the segment) and computes on one thread, for work
// that is itself memory-bound: an Adam direction over the 128 x 205,443 Delicious-200K output layer
// reads and writes 735 MB.
//
// Each element is evaluated in double with the default's formula and operation order and stored in
// float, so directions and moments are the same floats as the default's (adaptive_direction_host.h);
// only the norms' summation order differs. The norms are summed in fixed chunks of touched elements,
// each in a fixed order (blocks of sixteen lanes), and the chunk sums are added in chunk order: the same
// bits for any thread count.

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/backend/adaptive_direction_constants.h"
#include "core/backend/adaptive_direction_host.h"
#include "core/backend/cpu_backend.h"
#include "core/backend/cpu_vectorizable_math.h"

namespace tb {
namespace {

// Touched elements per chunk: a chunk's seven streams (w, g, m, v in; m, v, d out) stay a few hundred
// KiB, and a large segment still has hundreds of chunks to balance over the team.
constexpr std::int64_t direction_chunk = std::int64_t{1} << 14;

// Elements are computed in blocks: first the element-wise pass, which stores the directions also in
// double, then the three norms over the block, whose operands are still in L1. Kept apart, both loops
// vectorize; fused, the three reductions keep the compiler from vectorizing the arithmetic.
constexpr std::int64_t direction_block = 256;

// The formula of backend.h on `count` <= direction_block consecutive elements, with the expressions of
// adaptive_direction_on_host in the same order; the template flag lifts the moments branch out of the
// loop.
template <bool moments>
void direction_block_values(const float* __restrict weights, const float* __restrict gradient,
                            float* __restrict first_moment, float* __restrict second_moment,
                            float* __restrict direction, double* __restrict direction_in_double, std::int64_t count,
                            const DirectionConstants& k) {
    for (std::int64_t i = 0; i < count; ++i) {
        const double w = weights[i];
        const double g = k.gradient_scale * gradient[i];
        const double decayed = g + k.l2_weight_decay * w;
        double d;
        if constexpr (moments) {
            const double m = k.beta1 * first_moment[i] + k.one_minus_beta1 * decayed;
            const double v = k.beta2 * second_moment[i] + k.one_minus_beta2 * decayed * decayed;
            first_moment[i] = static_cast<float>(m);
            second_moment[i] = static_cast<float>(v);
            d = m * k.first_moment_correction / (std::sqrt(v * k.second_moment_correction) + k.epsilon) +
                k.decoupled_weight_decay * w;
        } else {
            d = decayed + k.decoupled_weight_decay * w;
        }
        direction[i] = static_cast<float>(d);
        direction_in_double[i] = d;
    }
}

// `count` consecutive elements, weights and moments aligned with each other, gradient and direction
// aligned with each other; the span's norms are added to `norms`.
template <bool moments>
void direction_span(const float* weights, const float* gradient, float* first_moment, float* second_moment,
                    float* direction, std::int64_t count, const DirectionConstants& k, DirectionNorms& norms) {
    std::array<double, direction_block> block_direction;
    for (std::int64_t first = 0; first < count; first += direction_block) {
        const std::int64_t length = std::min(direction_block, count - first);
        const float* w = weights + first;
        const float* g = gradient + first;
        const double* d = block_direction.data();
        direction_block_values<moments>(w, g, moments ? first_moment + first : nullptr,
                                        moments ? second_moment + first : nullptr, direction + first,
                                        block_direction.data(), length, k);
        const double scale = k.gradient_scale;
        norms.weights += lane_sum_in_double(0, length, [w](std::int64_t i) {
            return static_cast<double>(w[i]) * static_cast<double>(w[i]);
        });
        norms.gradient += lane_sum_in_double(0, length, [g, scale](std::int64_t i) {
            const double scaled = scale * g[i];
            return scaled * scaled;
        });
        norms.direction += lane_sum_in_double(0, length, [d](std::int64_t i) { return d[i] * d[i]; });
    }
}

// Touched elements [begin, end) of the compact gradient, split at row boundaries: row r of the gradient
// and direction belongs to row rows[r] of the weights and moments (rows == null: the identity).
template <bool moments>
void direction_range(const float* weights, const std::int32_t* rows, const float* gradient, float* first_moment,
                     float* second_moment, float* direction, std::int64_t cols, std::int64_t begin, std::int64_t end,
                     const DirectionConstants& k, DirectionNorms& norms) {
    if (rows == nullptr) {
        direction_span<moments>(weights + begin, gradient + begin, moments ? first_moment + begin : nullptr,
                                moments ? second_moment + begin : nullptr, direction + begin, end - begin, k, norms);
        return;
    }
    for (std::int64_t element = begin; element < end;) {
        const std::int64_t row = element / cols;
        const std::int64_t col = element - row * cols;
        const std::int64_t length = std::min(end, (row + 1) * cols) - element;
        const std::int64_t target = static_cast<std::int64_t>(rows[row]) * cols + col;
        direction_span<moments>(weights + target, gradient + element, moments ? first_moment + target : nullptr,
                                moments ? second_moment + target : nullptr, direction + element, length, k, norms);
        element += length;
    }
}

}  // namespace

DirectionNorms CpuBackend::adaptive_direction(ConstMatrixView weights, const std::int32_t* rows,
                                              ConstMatrixView gradient, float* first_moment, float* second_moment,
                                              MatrixView direction, const AdaptiveDirectionParameters& parameters) {
    check_adaptive_direction_arguments(weights, rows, gradient, first_moment, second_moment, direction, parameters);
    const std::int64_t count = gradient.size();
    if (count == 0) return {};
    if (rows != nullptr) {
        // Host memory: the indices can be checked before anything is written, as the default does.
        for (std::int64_t i = 0; i < gradient.rows; ++i) {
            if (rows[i] < 0 || rows[i] >= weights.rows) {
                throw std::invalid_argument("adaptive_direction: row index " + std::to_string(rows[i]) +
                                            " outside the weights' " + std::to_string(weights.rows) + " rows");
            }
        }
    }

    const DirectionConstants constants = direction_constants_of(parameters);
    const auto range = parameters.moments ? direction_range<true> : direction_range<false>;
    const std::int64_t chunks = (count + direction_chunk - 1) / direction_chunk;
    std::vector<DirectionNorms> partials(static_cast<std::size_t>(chunks));
    const int threads = threads_for(count);
    // Listed rows are distinct (a batch's touched features), so no two chunks write the same moment.
#pragma omp parallel for num_threads(threads) if (parallel : threads > 1) schedule(static)
    for (std::int64_t chunk = 0; chunk < chunks; ++chunk) {
        const std::int64_t begin = chunk * direction_chunk;
        DirectionNorms chunk_norms;
        range(weights.data, rows, gradient.data, first_moment, second_moment, direction.data, weights.cols, begin,
              std::min(count, begin + direction_chunk), constants, chunk_norms);
        partials[static_cast<std::size_t>(chunk)] = chunk_norms;
    }
    DirectionNorms norms;
    for (const DirectionNorms& partial : partials) {
        norms.weights += partial.weights;
        norms.gradient += partial.gradient;
        norms.direction += partial.direction;
    }
    return norms;
}

}  // namespace tb
