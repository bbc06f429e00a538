// What the containers promise beyond a correct gradient (test_module_gradients.cpp checks each against
// finite differences):
// - A ReversibleGroup of 100 coupling blocks keeps only its output, rebuilds its input from it to 1e-5,
//   and its gradients equal those of a plain Sequential of the same blocks (which keeps every block's
//   activations) to 1e-5 of each segment's largest gradient. The two runs do the same arithmetic except
//   that the group works on rebuilt activations, so their difference is the rebuild error carried through
//   backward; 100 near-identity blocks of float rounding (about 6e-8 relative each) stay far below 1e-5.
// - Checkpointed gives exactly the outputs and gradients of the module it wraps: it runs the same
//   operations on the same input once more. And it keeps only its input.
// - FixedPoint returns a fixed point of its function and its backward solves the adjoint equation: the
//   input gradient it returns equals what the converged adjoint gives when applied by hand.

#include <QtTest>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "core/backend/cpu_backend.h"
#include "core/nn/containers/fixed_point.h"
#include "core/nn/containers/reversible_group.h"
#include "core/nn/module_registry.h"

using namespace tb;
using nlohmann::json;

namespace {

std::vector<float> uniform(std::size_t count, std::uint32_t seed, float low, float high) {
    std::mt19937 random(seed);
    std::uniform_real_distribution<float> value(low, high);
    std::vector<float> values(count);
    for (float& v : values) v = value(random);
    return values;
}

json linear(const std::string& name, std::int64_t in, std::int64_t out) {
    return {{"type", "linear"}, {"name", name}, {"in", in}, {"out", out}};
}
json relu() { return {{"type", "relu"}}; }
json sequential(std::vector<json> modules) { return {{"type", "sequential"}, {"modules", modules}}; }

std::vector<json> coupling_blocks(int count, std::int64_t half) {
    std::vector<json> blocks;
    for (int i = 0; i < count; ++i) {
        const std::string name = "block" + std::to_string(i);
        // F and G end in a linear layer, so what they add has no sign of its own and the activations do
        // not drift upwards through 100 blocks as they would after a ReLU.
        blocks.push_back({{"type", "additive_coupling"},
                          {"f", sequential({linear(name + ".f1", half, half), relu(), linear(name + ".f2", half, half)})},
                          {"g", sequential({linear(name + ".g1", half, half), relu(), linear(name + ".g2", half, half)})}});
    }
    return blocks;
}

std::vector<float> download(Backend& backend, ConstMatrixView m) {
    std::vector<float> host(static_cast<std::size_t>(m.size()));
    backend.copy_device_to_host(host.data(), m.data, sizeof(float) * host.size());
    return host;
}

double largest_difference(const std::vector<float>& a, const std::vector<float>& b) {
    double largest = 0;
    for (std::size_t i = 0; i < a.size(); ++i) largest = std::max(largest, static_cast<double>(std::fabs(a[i] - b[i])));
    return largest;
}

double largest_magnitude(const std::vector<float>& a) {
    double largest = 0;
    for (float v : a) largest = std::max(largest, static_cast<double>(std::fabs(v)));
    return largest;
}

struct Run {
    std::vector<float> output;
    std::vector<float> parameter_gradient;
    std::vector<float> input_gradient;
    std::int64_t saved_bytes = 0;
};

// Forward and backward of `module` (declared into a layout equal to `layout`) with grad_output = projection.
Run forward_backward(Backend& backend, nn::Module& module, const ArenaLayout& layout, const ParameterArena& parameters,
                     ConstMatrixView input, ConstMatrixView projection) {
    Run run;
    const nn::Forward forward = module.forward({backend, parameters, true}, nn::ModuleInput(input));
    run.output = download(backend, forward.output);
    run.saved_bytes = forward.saved.bytes();
    Gradients gradients(backend, layout);
    nn::BackwardPass pass(backend, parameters, gradients);
    run.input_gradient = download(backend, module.backward(pass, forward.saved, projection, true));
    run.parameter_gradient = gradients.dense().download();
    return run;
}

}  // namespace

class ModuleContainers : public QObject {
    Q_OBJECT

private slots:
    void reversible_group_of_100_blocks_matches_a_sequential() {
        constexpr int depth = 100;
        constexpr std::int64_t half = 8, width = 2 * half, rows = 4;
        CpuBackend backend;
        const std::vector<json> blocks = coupling_blocks(depth, half);
        const std::unique_ptr<nn::Module> group = nn::build_module({{"type", "reversible_group"}, {"blocks", blocks}});
        const std::unique_ptr<nn::Module> plain = nn::build_module({{"type", "sequential"}, {"modules", blocks}});
        ArenaLayout layout, plain_layout;
        group->declare(layout);
        plain->declare(plain_layout);
        QCOMPARE(plain_layout.total_size(), layout.total_size());
        // Small weights keep each block near the identity, as in a deep reversible network at initialization,
        // so that 100 of them neither blow the activations up nor shrink them to nothing.
        ParameterArena parameters(backend, layout, "parameters");
        std::vector<float> values = uniform(static_cast<std::size_t>(layout.total_size()), 1, -0.2f, 0.2f);
        parameters.upload(values);
        DeviceMatrix input(backend, rows, width, "input");
        const std::vector<float> x = uniform(static_cast<std::size_t>(rows * width), 2, -1.0f, 1.0f);
        input.upload(HostMatrix{rows, width, x});
        DeviceMatrix projection(backend, rows, width, "projection");
        projection.upload(HostMatrix{rows, width, uniform(static_cast<std::size_t>(rows * width), 3, -1.0f, 1.0f)});

        const Run reference = forward_backward(backend, *plain, plain_layout, parameters, input.view(), projection.view());
        const Run reversible = forward_backward(backend, *group, layout, parameters, input.view(), projection.view());

        // The same forward arithmetic: identical outputs. And the input rebuilt from them.
        QCOMPARE(largest_difference(reversible.output, reference.output), 0.0);
        const auto& reversible_group = dynamic_cast<const nn::ReversibleGroup&>(*group);
        const double rebuild_error = largest_difference(download(backend, reversible_group.rebuilt_input()), x);
        qInfo("input rebuilt through %d blocks: largest error %.3g (inputs in [-1, 1], outputs up to %.3g)", depth,
              rebuild_error, largest_magnitude(reference.output));
        QVERIFY2(rebuild_error <= 1e-5, qPrintable(QString("rebuilt input off by %1").arg(rebuild_error)));

        double worst_relative = 0;
        for (const ParameterSegment& segment : layout.segments()) {
            const auto slice = [&](const std::vector<float>& all) {
                return std::vector<float>(all.begin() + segment.offset, all.begin() + segment.offset + segment.size());
            };
            const std::vector<float> expected = slice(reference.parameter_gradient);
            const double scale = largest_magnitude(expected);
            QVERIFY2(scale > 0, qPrintable(QString::fromStdString(segment.name + ": zero gradient")));
            const double relative = largest_difference(slice(reversible.parameter_gradient), expected) / scale;
            worst_relative = std::max(worst_relative, relative);
            QVERIFY2(relative <= 1e-5, qPrintable(QString("%1: gradients differ by %2 of the largest")
                                                      .arg(QString::fromStdString(segment.name))
                                                      .arg(relative)));
        }
        const double input_relative =
            largest_difference(reversible.input_gradient, reference.input_gradient) / largest_magnitude(reference.input_gradient);
        qInfo("gradients against the sequential: largest difference %.3g of a segment's largest (parameters), %.3g (input)",
              worst_relative, input_relative);
        QVERIFY(input_relative <= 1e-5);

        // What each keeps between forward and backward: the group its output only, the sequential every
        // block's activations.
        qInfo("saved between forward and backward: reversible group %lld bytes, sequential %lld bytes",
              static_cast<long long>(reversible.saved_bytes), static_cast<long long>(reference.saved_bytes));
        QCOMPARE(reversible.saved_bytes, static_cast<std::int64_t>(rows * width * sizeof(float)));
        QVERIFY(reference.saved_bytes >= depth * reversible.saved_bytes);
    }

    void checkpointed_equals_the_module_it_wraps() {
        CpuBackend backend;
        const json inner = sequential({linear("a", 6, 5), relu(), linear("b", 5, 5), relu(), linear("c", 5, 4)});
        const std::unique_ptr<nn::Module> plain = nn::build_module(inner);
        const std::unique_ptr<nn::Module> checkpointed = nn::build_module({{"type", "checkpointed"}, {"module", inner}});
        ArenaLayout layout, checkpointed_layout;
        plain->declare(layout);
        checkpointed->declare(checkpointed_layout);
        ParameterArena parameters(backend, layout, "parameters");
        parameters.upload(uniform(static_cast<std::size_t>(layout.total_size()), 4, -1.0f, 1.0f));
        DeviceMatrix input(backend, 7, 6, "input");
        input.upload(HostMatrix{7, 6, uniform(42, 5, -1.0f, 1.0f)});
        DeviceMatrix projection(backend, 7, 4, "projection");
        projection.upload(HostMatrix{7, 4, uniform(28, 6, -1.0f, 1.0f)});

        const Run expected = forward_backward(backend, *plain, layout, parameters, input.view(), projection.view());
        const Run run = forward_backward(backend, *checkpointed, checkpointed_layout, parameters, input.view(), projection.view());
        QVERIFY(expected.output == run.output);
        QVERIFY(expected.input_gradient == run.input_gradient);
        for (const ParameterSegment& segment : layout.segments()) {  // the padding between them is never written
            const auto slice = [&](const std::vector<float>& all) {
                return std::vector<float>(all.begin() + segment.offset, all.begin() + segment.offset + segment.size());
            };
            QVERIFY2(slice(expected.parameter_gradient) == slice(run.parameter_gradient), segment.name.c_str());
            QVERIFY(largest_magnitude(slice(expected.parameter_gradient)) > 0);
        }
        qInfo("saved between forward and backward: checkpointed %lld bytes, unwrapped %lld bytes",
              static_cast<long long>(run.saved_bytes), static_cast<long long>(expected.saved_bytes));
        QCOMPARE(run.saved_bytes, std::int64_t{0});  // its input, counted where it was made
        QVERIFY(expected.saved_bytes > 0);
    }

    void fixed_point_solves_forward_and_adjoint() {
        // f([z | x]) = relu([z | x] W + b), W of 4 + 3 rows and 4 columns. With weights in [-0.3, 0.3] f is a
        // contraction in z. Forward: z = f([z | x]) to the tolerance. Backward: the input gradient it returns
        // is g W_x masked by the ReLU, where g solves g = g J + P; solved here independently on the host
        // by plain iteration in double.
        constexpr std::int64_t state = 4, features = 3, rows = 2;
        CpuBackend backend;
        const json description{{"type", "fixed_point"}, {"state_width", state}, {"tolerance", 1e-7},
                               {"max_iterations", 500},
                               {"module", sequential({linear("cell", state + features, state), relu()})}};
        const std::unique_ptr<nn::Module> module = nn::build_module(description);
        ArenaLayout layout;
        module->declare(layout);
        const std::vector<float> values = uniform(static_cast<std::size_t>(layout.total_size()), 7, -0.3f, 0.3f);
        ParameterArena parameters(backend, layout, "parameters");
        parameters.upload(values);
        const std::vector<float> x = uniform(rows * features, 8, -1.0f, 1.0f);
        DeviceMatrix input(backend, rows, features, "input");
        input.upload(HostMatrix{rows, features, x});
        const std::vector<float> p = uniform(rows * state, 9, -1.0f, 1.0f);
        DeviceMatrix projection(backend, rows, state, "projection");
        projection.upload(HostMatrix{rows, state, p});
        const Run run = forward_backward(backend, *module, layout, parameters, input.view(), projection.view());
        const auto& fixed_point = dynamic_cast<const nn::FixedPoint&>(*module);
        qInfo("forward %d iterations, adjoint %d iterations", fixed_point.last_forward_iterations(),
              fixed_point.last_adjoint_iterations());
        QVERIFY(fixed_point.last_forward_iterations() > 3);  // a fixed point that needs iterating

        const ParameterSegment& weight = layout.segment(*layout.find("cell.weight"));
        const ParameterSegment& bias = layout.segment(*layout.find("cell.bias"));
        const auto w = [&](std::int64_t i, std::int64_t j) { return static_cast<double>(values[static_cast<std::size_t>(weight.offset + i * state + j)]); };
        double largest_residual = 0, largest_error = 0, largest_gradient = 0;
        for (std::int64_t r = 0; r < rows; ++r) {
            std::vector<double> z(run.output.begin() + r * state, run.output.begin() + (r + 1) * state);
            std::vector<double> active(state);
            for (std::int64_t j = 0; j < state; ++j) {
                double pre = values[static_cast<std::size_t>(bias.offset + j)];
                for (std::int64_t i = 0; i < state; ++i) pre += z[static_cast<std::size_t>(i)] * w(i, j);
                for (std::int64_t i = 0; i < features; ++i) pre += x[static_cast<std::size_t>(r * features + i)] * w(state + i, j);
                active[static_cast<std::size_t>(j)] = pre > 0 ? 1 : 0;
                largest_residual = std::max(largest_residual, std::fabs(std::max(pre, 0.0) - z[static_cast<std::size_t>(j)]));
            }
            // g = g J + p with J[i][j] = w(i, j) active[j]: iterate to convergence in double.
            std::vector<double> g(p.begin() + r * state, p.begin() + (r + 1) * state);
            for (int iteration = 0; iteration < 2000; ++iteration) {
                std::vector<double> next(p.begin() + r * state, p.begin() + (r + 1) * state);
                for (std::int64_t i = 0; i < state; ++i) {
                    for (std::int64_t j = 0; j < state; ++j) next[static_cast<std::size_t>(i)] += g[static_cast<std::size_t>(j)] * active[static_cast<std::size_t>(j)] * w(i, j);
                }
                g = next;
            }
            for (std::int64_t i = 0; i < features; ++i) {
                double expected = 0;
                for (std::int64_t j = 0; j < state; ++j) expected += g[static_cast<std::size_t>(j)] * active[static_cast<std::size_t>(j)] * w(state + i, j);
                const double got = run.input_gradient[static_cast<std::size_t>(r * features + i)];
                largest_error = std::max(largest_error, std::fabs(got - expected));
                largest_gradient = std::max(largest_gradient, std::fabs(expected));
            }
        }
        qInfo("|z - f(z, x)| up to %.3g; input gradient against the host adjoint solve: largest error %.3g of %.3g",
              largest_residual, largest_error, largest_gradient);
        QVERIFY(largest_residual <= 1e-5);
        QVERIFY(largest_gradient > 1e-2);
        QVERIFY(largest_error <= 1e-5 * std::max(1.0, largest_gradient));
    }
};

QTEST_GUILESS_MAIN(ModuleContainers)
#include "test_module_containers.moc"
