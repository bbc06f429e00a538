// The Delicious-200K output layer's share of a training step on the CPU backend: logits, softmax loss
// and the weight, bias and input gradients of a 128 -> 205,443 layer on a batch of 256, through the CPU
// backend's blocked Backend::linear_softmax_cross_entropy and through the composed operations (the
// Backend default: gemm, add_row_vector, softmax_cross_entropy, gemm, column_sums, gemm). Both results
// are compared, so a faster path that computes something else shows up here and not only in the
// conformance suite. A third run goes through the output layer as the MLP trains it, an nn::Linear module
// with its parameters and gradients in arenas (nn::Linear::train_with_softmax), so that the module's own
// overhead shows next to the bare operation.
//
//   output_layer_bench [--calls N] [--threads N]

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "app/cli/command_line_parsing.h"
#include "core/backend/cpu_backend.h"
#include "core/nn/dense/linear.h"
#include "core/random/random_stream.h"

using namespace tb;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::int64_t batch = 256;
constexpr std::int64_t hidden = 128;
constexpr std::int64_t labels_count = 205'443;

std::vector<float> uniform(std::size_t count, std::uint64_t seed, float low, float high) {
    RandomStream random(seed);
    std::vector<float> values(count);
    for (float& value : values) value = low + (high - low) * static_cast<float>(random.uniform());
    return values;
}

struct Outputs {
    std::vector<float> grad_weight, grad_bias, grad_input;
    double loss = 0;
};

double largest_relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
    double largest = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        largest = std::max(largest, static_cast<double>(std::fabs(a[i] - b[i])));
        scale = std::max(scale, static_cast<double>(std::fabs(b[i])));
    }
    return scale > 0 ? largest / scale : largest;
}

}  // namespace

int main(int argc, char** argv) {
    int calls = 8;
    int threads = 0;
    CLI::App app("The Delicious-200K output layer's training step on the CPU backend: the blocked operation, "
                 "the composed one and the nn::Linear module.",
                 "output_layer_bench");
    app.add_option("--calls", calls, "calls timed per path")
        ->check(tb::cli::whole_number_at_least(1))
        ->capture_default_str();
    app.add_option("--threads", threads, "CPU backend threads (0: every core)")
        ->check(tb::cli::whole_number_at_least(0))
        ->capture_default_str();
    if (const std::optional<int> status = tb::cli::parse_command_line(app, argc, argv)) return *status;
    CpuBackend backend(threads);
    std::printf("output layer %lld -> %lld, batch %lld, %d threads\n", static_cast<long long>(hidden),
                static_cast<long long>(labels_count), static_cast<long long>(batch), backend.thread_count());

    // ReLU-like activations, Glorot-scale weights, one to four labels per row.
    const std::vector<float> input = uniform(static_cast<std::size_t>(batch * hidden), 1, 0.0f, 1.0f);
    const float limit = std::sqrt(6.0f / static_cast<float>(hidden + labels_count));
    const std::vector<float> weight = uniform(static_cast<std::size_t>(hidden * labels_count), 2, -limit, limit);
    const std::vector<float> bias = uniform(static_cast<std::size_t>(labels_count), 3, -0.01f, 0.01f);
    std::vector<std::int64_t> offsets{0};
    std::vector<std::int32_t> columns;
    RandomStream random(4);
    for (std::int64_t row = 0; row < batch; ++row) {
        const int count = 1 + static_cast<int>(random.below(4));
        std::vector<std::int32_t> row_labels;
        for (int i = 0; i < count; ++i) row_labels.push_back(static_cast<std::int32_t>(random.below(labels_count)));
        std::sort(row_labels.begin(), row_labels.end());
        row_labels.erase(std::unique(row_labels.begin(), row_labels.end()), row_labels.end());
        columns.insert(columns.end(), row_labels.begin(), row_labels.end());
        offsets.push_back(static_cast<std::int64_t>(columns.size()));
    }
    const std::vector<float> label_values(columns.size(), 1.0f);
    const CsrView labels{batch, labels_count, static_cast<std::int64_t>(columns.size()), offsets.data(),
                         columns.data(), label_values.data()};

    std::vector<float> scratch(static_cast<std::size_t>(batch * labels_count));
    enum class Path { blocked, composed, module };
    nn::Linear head("output", hidden, labels_count);
    ArenaLayout layout;
    head.declare(layout);
    ParameterArena parameters(backend, layout, "output layer parameters");
    {
        std::vector<float> values(static_cast<std::size_t>(layout.total_size()), 0.0f);
        std::copy(weight.begin(), weight.end(), values.begin() + layout.segment(head.weight_segment()).offset);
        std::copy(bias.begin(), bias.end(), values.begin() + layout.segment(head.bias_segment()).offset);
        parameters.upload(values);
    }
    Gradients gradients(backend, layout);
    auto run = [&](const char* name, Path path) {
        Outputs out;
        out.grad_weight.resize(weight.size());
        out.grad_bias.resize(bias.size());
        out.grad_input.resize(input.size());
        LinearSoftmaxStep step;
        step.input = {input.data(), batch, hidden};
        step.weight = {weight.data(), hidden, labels_count};
        step.bias = bias.data();
        step.labels = labels;
        step.grad_scale = 1.0f / static_cast<float>(batch);
        step.scratch = {scratch.data(), batch, labels_count};
        step.grad_weight = {out.grad_weight.data(), hidden, labels_count};
        step.grad_bias = out.grad_bias.data();
        step.grad_input = {out.grad_input.data(), batch, hidden};
        std::vector<double> milliseconds;
        for (int call = 0; call <= calls; ++call) {  // call 0 warms pages and caches, untimed
            const Clock::time_point start = Clock::now();
            if (path == Path::module) {
                nn::BackwardPass pass(backend, parameters, gradients);
                const nn::Linear::SoftmaxTraining trained =
                    head.train_with_softmax(pass, step.input, labels, step.grad_scale, /*input_gradient=*/true);
                out.loss = trained.loss;
                std::copy_n(trained.input_gradient.data, out.grad_input.size(), out.grad_input.begin());
            } else {
                out.loss = path == Path::blocked ? backend.linear_softmax_cross_entropy(step)
                                                 : backend.Backend::linear_softmax_cross_entropy(step);
            }
            const double elapsed = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
            if (call > 0) milliseconds.push_back(elapsed);
        }
        std::sort(milliseconds.begin(), milliseconds.end());
        std::printf("%-9s median %.1f ms, fastest %.1f ms, slowest %.1f ms over %d calls; loss %.6f\n", name,
                    milliseconds[milliseconds.size() / 2], milliseconds.front(), milliseconds.back(), calls, out.loss);
        return out;
    };
    const Outputs blocked = run("blocked", Path::blocked);
    const Outputs composed = run("composed", Path::composed);
    Outputs module = run("module", Path::module);
    const std::vector<float> gradient_values = gradients.dense().download();
    const auto segment_values = [&](std::size_t index) {
        const ParameterSegment& segment = layout.segment(index);
        return std::vector<float>(gradient_values.begin() + segment.offset,
                                  gradient_values.begin() + segment.offset + segment.size());
    };
    module.grad_weight = segment_values(head.weight_segment());
    module.grad_bias = segment_values(head.bias_segment());
    std::printf("module against blocked, largest difference: weight gradient %.2e, bias gradient %.2e, input "
                "gradient %.2e; loss %.2e\n",
                largest_relative_difference(module.grad_weight, blocked.grad_weight),
                largest_relative_difference(module.grad_bias, blocked.grad_bias),
                largest_relative_difference(module.grad_input, blocked.grad_input),
                std::fabs(module.loss - blocked.loss) / std::fabs(blocked.loss));
    std::printf("largest difference, relative to the largest value: weight gradient %.2e, bias gradient %.2e, "
                "input gradient %.2e; loss %.2e\n",
                largest_relative_difference(blocked.grad_weight, composed.grad_weight),
                largest_relative_difference(blocked.grad_bias, composed.grad_bias),
                largest_relative_difference(blocked.grad_input, composed.grad_input),
                std::fabs(blocked.loss - composed.loss) / std::fabs(composed.loss));
    return 0;
}
