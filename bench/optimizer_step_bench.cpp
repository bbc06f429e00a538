// One optimizer step over the Delicious-200K output layer (a 128 x 205,443 segment, 26.3 million
// parameters, dense gradient) on the CPU backend: Adam and LAMB through their optimizers (the direction,
// its norms and the move of the weights), and the direction alone, both through the backend's own
// adaptive_direction and through the Backend default that stages the data through host buffers and
// computes element by element. The two directions are compared, so a faster path that computes
// something else shows up here and not only in the conformance suite.
//
//   optimizer_step_bench [--steps N] [--threads N]
//
// The step is memory-bound: Adam reads w, g, m, v and writes m, v, d (7 x 105 MB), then the move reads
// w and d and writes w (3 x 105 MB); the figures are printed next to the bytes they move.

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/cli/command_line_parsing.h"
#include "core/backend/cpu_backend.h"
#include "core/nn/parameter_arena.h"
#include "core/optim/adam_optimizer.h"
#include "core/optim/lamb_optimizer.h"
#include "core/random/splitmix64.h"

using namespace tb;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t hidden = 128;
constexpr std::int64_t labels = 205443;

std::vector<float> uniform_values(std::int64_t count, std::uint64_t seed, float scale) {
    std::vector<float> values(static_cast<std::size_t>(count));
    std::uint64_t state = seed;
    for (float& value : values) {
        // The top 24 bits give a uniform float in [0, 1).
        const float unit = static_cast<float>(splitmix64_next(state) >> 40) * 0x1p-24f;
        value = scale * (2.0f * unit - 1.0f);
    }
    return values;
}

// The median of `steps` timed calls after one untimed call (which faults in the pages and, for the
// optimizers, allocates nothing later calls would).
double median_seconds(int steps, const std::function<void()>& call) {
    call();
    std::vector<double> seconds;
    for (int i = 0; i < steps; ++i) {
        const auto start = Clock::now();
        call();
        seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    }
    std::sort(seconds.begin(), seconds.end());
    return seconds[seconds.size() / 2];
}

void report(const char* what, double seconds, double bytes_moved) {
    std::printf("%-52s %8.1f ms  %6.1f GB/s\n", what, seconds * 1e3, bytes_moved / seconds / 1e9);
}

}  // namespace

int main(int argc, char** argv) {
    int steps = 7;
    int threads = 0;
    CLI::App app("One Adam and one LAMB step over the Delicious-200K output layer on the CPU backend.",
                 "optimizer_step_bench");
    app.add_option("--steps", steps, "steps timed (the median is printed)")
        ->check(tb::cli::whole_number_at_least(1))
        ->capture_default_str();
    app.add_option("--threads", threads, "CPU backend threads (0: every core)")
        ->check(tb::cli::whole_number_at_least(0))
        ->capture_default_str();
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;

    CpuBackend backend(threads);
    ArenaLayout layout;
    layout.add("output.weight", hidden, labels);
    const std::int64_t count = hidden * labels;
    const double segment_bytes = static_cast<double>(count) * sizeof(float);
    std::printf("optimizer step over a %lld x %lld segment (%.1f MB per float array), %d threads, median of %d\n",
                static_cast<long long>(hidden), static_cast<long long>(labels), segment_bytes / 1e6,
                backend.thread_count(), steps);

    ParameterArena parameters(backend, layout, "weights");
    parameters.upload(uniform_values(parameters.size(), 1, 0.05f));
    Gradients gradients(backend, layout);
    gradients.dense().upload(uniform_values(parameters.size(), 2, 1e-3f));

    AdamConfig adam_config;
    AdamOptimizer adam(backend, layout, adam_config);
    report("Adam step (direction + move)", median_seconds(steps, [&] { adam.step(parameters, gradients, 1e-4f); }),
           10.0 * segment_bytes);

    LambConfig lamb_config;
    lamb_config.weight_decay = 0.01f;
    LambOptimizer lamb(backend, layout, lamb_config);
    report("LAMB step (direction + norms + move)",
           median_seconds(steps, [&] { lamb.step(parameters, gradients, 1e-3f); }), 10.0 * segment_bytes);

    // The direction alone, on both paths, from the same starting moments.
    const std::vector<float> first_start = uniform_values(count, 3, 1e-3f);
    std::vector<float> second_start = uniform_values(count, 4, 1e-6f);
    for (float& value : second_start) value = std::fabs(value);
    DeviceMatrix first(backend, hidden, labels, "first moment");
    DeviceMatrix second(backend, hidden, labels, "second moment");
    DeviceMatrix direction(backend, hidden, labels, "direction");
    AdaptiveDirectionParameters direction_parameters;
    direction_parameters.decoupled_weight_decay = 0.01f;
    direction_parameters.first_moment_correction = 10.0f;
    direction_parameters.second_moment_correction = 1000.0f;
    const ConstMatrixView weights = parameters.segment(0);
    const ConstMatrixView gradient = gradients.dense().segment(0);

    std::vector<float> backend_direction;
    DirectionNorms backend_norms;
    first.upload(HostMatrix(hidden, labels, first_start));
    second.upload(HostMatrix(hidden, labels, second_start));
    const double in_place = median_seconds(steps, [&] {
        backend_norms = backend.adaptive_direction(weights, nullptr, gradient, first.data(), second.data(),
                                                   direction.view(), direction_parameters);
    });
    // One more call from the starting moments, kept for the comparison below.
    first.upload(HostMatrix(hidden, labels, first_start));
    second.upload(HostMatrix(hidden, labels, second_start));
    backend_norms = backend.adaptive_direction(weights, nullptr, gradient, first.data(), second.data(),
                                               direction.view(), direction_parameters);
    backend_direction = direction.download().values;

    first.upload(HostMatrix(hidden, labels, first_start));
    second.upload(HostMatrix(hidden, labels, second_start));
    DirectionNorms staged_norms;
    const double staged = median_seconds(steps, [&] {
        staged_norms = backend.Backend::adaptive_direction(weights, nullptr, gradient, first.data(), second.data(),
                                                           direction.view(), direction_parameters);
    });
    first.upload(HostMatrix(hidden, labels, first_start));
    second.upload(HostMatrix(hidden, labels, second_start));
    staged_norms = backend.Backend::adaptive_direction(weights, nullptr, gradient, first.data(), second.data(),
                                                       direction.view(), direction_parameters);
    const std::vector<float> staged_direction = direction.download().values;

    report("adaptive_direction, CpuBackend", in_place, 7.0 * segment_bytes);
    report("adaptive_direction, Backend default (host staging)", staged, 7.0 * segment_bytes);

    double largest_difference = 0;
    for (std::size_t i = 0; i < staged_direction.size(); ++i) {
        largest_difference = std::max(largest_difference, static_cast<double>(std::fabs(
                                                              backend_direction[i] - staged_direction[i])));
    }
    const auto relative = [](double a, double b) { return b == 0 ? std::fabs(a) : std::fabs(a - b) / std::fabs(b); };
    std::printf("largest direction difference between the two: %.3g; norms' relative differences: weights %.2g, "
                "gradient %.2g, direction %.2g\n",
                largest_difference, relative(backend_norms.weights, staged_norms.weights),
                relative(backend_norms.gradient, staged_norms.gradient),
                relative(backend_norms.direction, staged_norms.direction));
    return 0;
}
