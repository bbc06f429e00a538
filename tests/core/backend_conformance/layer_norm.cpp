// The layer_norm family: layer normalization's forward and backward (cpu_backend_layer_norm.cpp,
// gpu/kernels/layer_norm_kernels.cu). The pair is also checked against finite differences
// (operation_pairs.cpp).

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tests/core/backend_conformance/conformance_case.h"
#include "tests/core/backend_conformance/guarded_arrays.h"
#include "tests/core/backend_conformance/random_inputs.h"
#include "tests/core/backend_conformance/throughput_operands.h"

namespace tb::conformance {
namespace {

// What the rows to normalize look like.
enum class Rows {
    random,     // uniform in [-1, 1]
    shifted,    // within 1/4 of 8: a one-pass or float variance loses most of its bits here
    constant,   // every other row holds one value repeated: variance 0, epsilon alone keeps it finite
};

HostMatrix rows_to_normalize(Random& random, MatrixShape shape, Rows kind) {
    if (kind == Rows::shifted) return random_matrix(random, shape.rows, shape.cols, 7.75f, 8.25f);
    HostMatrix m = random_matrix(random, shape.rows, shape.cols);
    if (kind == Rows::constant) {
        for (std::int64_t r = 0; r < shape.rows; r += 2) {
            for (std::int64_t c = 0; c < shape.cols; ++c) m.at(r, c) = m.at(r, 0);
        }
    }
    return m;
}

Tolerance tolerance_for(Rows kind, MatrixShape shape) {
    return kind == Rows::shifted || shape.cols == 1 ? tolerance::layer_norm_cancellation : tolerance::layer_norm;
}

// The statistics forward saves: the exact ones rounded to float, as the backend's must be to within its
// tolerance, and as backward receives them.
struct SavedStatistics {
    std::vector<float> mean;
    std::vector<float> inverse_std;
};

SavedStatistics saved_statistics(const HostMatrix& in, float epsilon) {
    const std::vector<float> ones(static_cast<std::size_t>(in.cols), 1.0f);
    const std::vector<float> zeros(static_cast<std::size_t>(in.cols), 0.0f);
    const reference::LayerNormExpected forward = reference::layer_norm_forward(in, ones, zeros, epsilon);
    return {as_floats(forward.mean.values), as_floats(forward.inverse_std.values)};
}

std::vector<double> as_doubles(const std::vector<float>& values) { return {values.begin(), values.end()}; }

void add_forward_cases(CaseList& cases) {
    struct ForwardCase {
        const char* label;
        MatrixShape shape;
        float epsilon;
        Rows rows;
        bool in_place;
    };
    // 300x129 crosses the CPU backend's parallel threshold; 1e-9 is the Cluster-GCN code's epsilon.
    const ForwardCase forward_cases[] = {
        {"0x7", {0, 7}, 1e-5f, Rows::random, false},
        {"1x1: a single column normalizes to 0", {1, 1}, 1e-5f, Rows::random, false},
        {"7x13", {7, 13}, 1e-5f, Rows::random, false},
        {"300x129 epsilon 1e-9", {300, 129}, 1e-9f, Rows::random, false},
        {"1000x3", {1000, 3}, 1e-5f, Rows::random, false},
        {"16x1000 wide rows", {16, 1000}, 1e-5f, Rows::random, false},
        {"40x33 rows of equal values", {40, 33}, 1e-5f, Rows::constant, false},
        {"60x129 within 1/4 of 8", {60, 129}, 1e-5f, Rows::shifted, false},
        {"300x129 in place", {300, 129}, 1e-5f, Rows::random, true},
    };
    for (const ForwardCase& forward : forward_cases) {
        cases.push_back({"layer_norm_forward", forward.label, forward.shape.empty(), [=](CaseContext& context) {
            const MatrixShape shape = forward.shape;
            const HostMatrix in = rows_to_normalize(context.random(), shape, forward.rows);
            const std::vector<float> gain = random_values(context.random(), shape.cols, -1.5f, 1.5f);
            const std::vector<float> bias = random_values(context.random(), shape.cols);
            const reference::LayerNormExpected expected =
                reference::layer_norm_forward(in, gain, bias, forward.epsilon);
            GuardedArray<float> device_gain(context, gain, "gain", Role::input);
            GuardedArray<float> device_bias(context, bias, "bias", Role::input);
            GuardedArray<float> mean(context, nan_values(shape.rows), "mean", Role::output);
            GuardedArray<float> inverse_std(context, nan_values(shape.rows), "inverse_std", Role::output);
            const Tolerance tolerance = tolerance_for(forward.rows, shape);
            if (forward.in_place) {
                GuardedMatrix device(context, in, "in/out", Role::output);
                context.backend().layer_norm_forward(device.const_view(), device_gain.data(), device_bias.data(),
                                                     forward.epsilon, device.view(), mean.data(), inverse_std.data());
                context.compare("out", device.download(), expected.out, tolerance, 0.0);
            } else {
                GuardedMatrix device_in(context, in, "in", Role::input);
                GuardedMatrix device_out(context, nan_matrix(shape.rows, shape.cols), "out", Role::output);
                context.backend().layer_norm_forward(device_in.const_view(), device_gain.data(), device_bias.data(),
                                                     forward.epsilon, device_out.view(), mean.data(),
                                                     inverse_std.data());
                context.compare("out", device_out.download(), expected.out, tolerance, 0.0);
            }
            context.compare("mean", mean.download(), expected.mean, tolerance, 0.0);
            context.compare("inverse_std", inverse_std.download(), expected.inverse_std, tolerance, 0.0);
        }});
    }
}

void add_backward_cases(CaseList& cases) {
    enum class Outputs { all, input_gradient_only, parameter_gradients_only };
    struct BackwardCase {
        const char* label;
        MatrixShape shape;
        float beta;
        Outputs outputs;
        Rows rows;
        bool in_place;
    };
    // The CPU backend sums the parameter gradients over chunks of 512 rows and the CUDA backend over
    // chunks of 256: 1100 rows make several of both, with a short last one.
    const BackwardCase backward_cases[] = {
        {"0x7 beta 0 over NaN", {0, 7}, 0.0f, Outputs::all, Rows::random, false},
        {"1x1", {1, 1}, 0.0f, Outputs::all, Rows::random, false},
        {"7x13 beta 0 over NaN", {7, 13}, 0.0f, Outputs::all, Rows::random, false},
        {"300x129 beta 1", {300, 129}, 1.0f, Outputs::all, Rows::random, false},
        {"1100x17 beta 0.5, chunks of rows", {1100, 17}, 0.5f, Outputs::all, Rows::random, false},
        {"16x1000 wide rows", {16, 1000}, 0.0f, Outputs::all, Rows::random, false},
        {"40x33 rows of equal values", {40, 33}, 0.0f, Outputs::all, Rows::constant, false},
        {"60x129 within 1/4 of 8", {60, 129}, 1.0f, Outputs::all, Rows::shifted, false},
        {"300x129 grad_in over grad_out", {300, 129}, 0.0f, Outputs::all, Rows::random, true},
        {"7x13 input gradient only", {7, 13}, 0.0f, Outputs::input_gradient_only, Rows::random, false},
        {"300x129 parameter gradients only", {300, 129}, 1.0f, Outputs::parameter_gradients_only, Rows::random,
         false},
    };
    for (const BackwardCase& backward : backward_cases) {
        cases.push_back({"layer_norm_backward", backward.label, backward.shape.empty(), [=](CaseContext& context) {
            const MatrixShape shape = backward.shape;
            constexpr float epsilon = 1e-5f;
            const HostMatrix in = rows_to_normalize(context.random(), shape, backward.rows);
            const SavedStatistics statistics = saved_statistics(in, epsilon);
            const std::vector<float> gain = random_values(context.random(), shape.cols, -1.5f, 1.5f);
            const HostMatrix grad_out = random_matrix(context.random(), shape.rows, shape.cols);
            const bool parameters = backward.outputs != Outputs::input_gradient_only;
            const bool input = backward.outputs != Outputs::parameter_gradients_only;
            auto before = [&] {
                return backward.beta == 0.0f ? nan_values(shape.cols) : random_values(context.random(), shape.cols);
            };
            const std::vector<float> gain_before = before();
            const std::vector<float> bias_before = before();
            const reference::LayerNormGradients expected = reference::layer_norm_backward(
                in, as_doubles(statistics.mean), as_doubles(statistics.inverse_std), gain, grad_out, backward.beta,
                gain_before, bias_before);
            const Tolerance tolerance = tolerance_for(backward.rows, shape);
            GuardedMatrix device_in(context, in, "in", Role::input);
            GuardedArray<float> mean(context, statistics.mean, "mean", Role::input);
            GuardedArray<float> inverse_std(context, statistics.inverse_std, "inverse_std", Role::input);
            GuardedArray<float> device_gain(context, gain, "gain", Role::input);
            // An output that is not asked for must come back bit for bit, as an input does.
            const Role parameter_role = parameters ? Role::output : Role::input;
            GuardedArray<float> grad_gain(context, gain_before, "grad_gain", parameter_role);
            GuardedArray<float> grad_bias(context, bias_before, "grad_bias", parameter_role);
            float* const grad_gain_data = parameters ? grad_gain.data() : nullptr;
            float* const grad_bias_data = parameters ? grad_bias.data() : nullptr;
            if (backward.in_place) {
                GuardedMatrix device_grad(context, grad_out, "grad_out/grad_in", Role::output);
                context.backend().layer_norm_backward(device_in.const_view(), mean.data(), inverse_std.data(),
                                                      device_gain.data(), device_grad.const_view(), device_grad.view(),
                                                      backward.beta, grad_gain_data, grad_bias_data);
                context.compare("grad_in", device_grad.download(), expected.grad_in, tolerance, 0.0);
            } else {
                GuardedMatrix device_grad_out(context, grad_out, "grad_out", Role::input);
                GuardedMatrix device_grad_in(context, nan_matrix(shape.rows, shape.cols), "grad_in",
                                             input ? Role::output : Role::input);
                const MatrixView grad_in_view =
                    input ? device_grad_in.view() : MatrixView{nullptr, shape.rows, shape.cols};
                context.backend().layer_norm_backward(device_in.const_view(), mean.data(), inverse_std.data(),
                                                      device_gain.data(), device_grad_out.const_view(), grad_in_view,
                                                      backward.beta, grad_gain_data, grad_bias_data);
                if (input) context.compare("grad_in", device_grad_in.download(), expected.grad_in, tolerance, 0.0);
            }
            if (parameters) {
                context.compare("grad_gain", grad_gain.download(), expected.grad_gain, tolerance, 0.0);
                context.compare("grad_bias", grad_bias.download(), expected.grad_bias, tolerance, 0.0);
            }
        }});
    }
}

void add_cases(CaseList& cases) {
    add_forward_cases(cases);
    add_backward_cases(cases);
}

void call_with_empty_input(OperationCalls& calls) {
    Backend& backend = calls.backend();
    CaseContext& context = calls.context();
    GuardedArray<float> grad_gain(context, nan_values(5), "grad_gain", Role::output);
    GuardedArray<float> grad_bias(context, nan_values(5), "grad_bias", Role::output);
    calls.attempt("layer_norm_forward", [&] {
        backend.layer_norm_forward({nullptr, 0, 5}, nullptr, nullptr, 1e-5f, {nullptr, 0, 5}, nullptr, nullptr);
        backend.layer_norm_forward({nullptr, 0, 0}, nullptr, nullptr, 1e-5f, {nullptr, 0, 0}, nullptr, nullptr);
    });
    calls.attempt("layer_norm_backward", [&] {
        // No rows: the parameter gradients are sums of nothing.
        backend.layer_norm_backward({nullptr, 0, 5}, nullptr, nullptr, nullptr, {nullptr, 0, 5}, {nullptr, 0, 5}, 0.0f,
                                    grad_gain.data(), grad_bias.data());
        backend.layer_norm_backward({nullptr, 0, 0}, nullptr, nullptr, nullptr, {nullptr, 0, 0}, {nullptr, 0, 0}, 0.0f,
                                    nullptr, nullptr);
    });
    context.compare("layer_norm_backward grad_gain", grad_gain.download(), constant_expected(5, 0.0),
                    tolerance::exact, 0.0);
    context.compare("layer_norm_backward grad_bias", grad_bias.download(), constant_expected(5, 0.0),
                    tolerance::exact, 0.0);
}

void call_with_mismatched_shapes(OperationCalls& calls) {
    Backend& backend = calls.backend();
    CaseContext& context = calls.context();
    Random& random = calls.random();
    GuardedMatrix square(context, random_matrix(random, 4, 4), "square", Role::input);
    GuardedMatrix wide(context, random_matrix(random, 4, 6), "wide", Role::input);
    GuardedArray<float> vector(context, random_values(random, 16), "vector", Role::input);
    GuardedArray<float> statistics(context, random_values(random, 8, 0.5f, 1.5f), "statistics", Role::input);
    GuardedMatrix output(context, nan_matrix(4, 4), "output", Role::output);
    GuardedArray<float> parameter_gradients(context, nan_values(8), "parameter gradients", Role::output);
    const float* row_vector = vector.data();
    float* mean = statistics.data();
    float* inverse_std = statistics.data() + 4;
    auto forward = [&](ConstMatrixView in, const float* gain, float epsilon, MatrixView out) {
        backend.layer_norm_forward(in, gain, row_vector, epsilon, out, mean, inverse_std);
    };
    calls.reject("layer_norm_forward", "a 4x4 input and a 2x8 output", [&] {
        forward(square.const_view(), row_vector, 1e-5f, {output.view().data, 2, 8});
    });
    calls.reject("layer_norm_forward", "epsilon 0", [&] {
        forward(square.const_view(), row_vector, 0.0f, output.view());
    });
    calls.reject("layer_norm_forward", "a negative epsilon", [&] {
        forward(square.const_view(), row_vector, -1e-5f, output.view());
    });
    calls.reject("layer_norm_forward", "a NaN epsilon", [&] {
        forward(square.const_view(), row_vector, std::numeric_limits<float>::quiet_NaN(), output.view());
    });
    calls.reject("layer_norm_forward", "a missing gain", [&] {
        forward(square.const_view(), nullptr, 1e-5f, output.view());
    });
    calls.reject("layer_norm_forward", "rows without columns", [&] {
        forward({square.const_view().data, 4, 0}, row_vector, 1e-5f, {output.view().data, 4, 0});
    });
    calls.reject("layer_norm_forward", "a column block of a wider matrix", [&] {
        forward(wide.block(1, 4), row_vector, 1e-5f, output.view());
    });
    float* grad_gain = parameter_gradients.data();
    float* grad_bias = parameter_gradients.data() + 4;
    calls.reject("layer_norm_backward", "a gradient of another shape", [&] {
        backend.layer_norm_backward(square.const_view(), mean, inverse_std, row_vector, {vector.data(), 2, 8},
                                    output.view(), 0.0f, grad_gain, grad_bias);
    });
    calls.reject("layer_norm_backward", "an input gradient of another shape", [&] {
        backend.layer_norm_backward(square.const_view(), mean, inverse_std, row_vector, square.const_view(),
                                    {output.view().data, 8, 2}, 0.0f, grad_gain, grad_bias);
    });
    calls.reject("layer_norm_backward", "a gain gradient without a bias gradient", [&] {
        backend.layer_norm_backward(square.const_view(), mean, inverse_std, row_vector, square.const_view(),
                                    output.view(), 0.0f, grad_gain, nullptr);
    });
    calls.reject("layer_norm_backward", "a missing inverse_std", [&] {
        backend.layer_norm_backward(square.const_view(), mean, nullptr, row_vector, square.const_view(),
                                    output.view(), 0.0f, grad_gain, grad_bias);
    });
    calls.reject("layer_norm_backward", "a column block of a wider gradient", [&] {
        backend.layer_norm_backward(square.const_view(), mean, inverse_std, row_vector, wide.block(1, 4),
                                    output.view(), 0.0f, grad_gain, grad_bias);
    });
}

// A GCN hidden layer of a large graph: 65,536 nodes of 256 features, 64 MiB an array. Bytes: the input
// read and the output written (forward), the input and grad_out read and grad_in written (backward);
// the row statistics and the parameters are a rounding error next to them. Flops per element: the two
// passes of the statistics (3) and the normalization (4) forward; the two row sums (5), the input
// gradient (6) and the parameter sums (5) backward.
constexpr std::int64_t rows = 65536;
constexpr std::int64_t cols = 256;
constexpr double elements = static_cast<double>(rows * cols);
constexpr double array_bytes = 4.0 * elements;

void add_throughput_cases(ThroughputCaseList& cases) {
    const std::string size = "65536x256";
    cases.push_back({"layer_norm_forward", size, 2.0 * array_bytes, 7.0 * elements,
                     [](Backend& backend, Random& random) -> std::function<void()> {
        auto in = device_copy(backend, random_values(random, rows * cols), "in");
        auto gain = device_copy(backend, random_values(random, cols), "gain");
        auto bias = device_copy(backend, random_values(random, cols), "bias");
        auto out = std::make_shared<DeviceBuffer<float>>(backend, rows * cols, "out");
        auto statistics = std::make_shared<DeviceBuffer<float>>(backend, 2 * rows, "statistics");
        return [&backend, in, gain, bias, out, statistics] {
            backend.layer_norm_forward({in->data(), rows, cols}, gain->data(), bias->data(), 1e-5f,
                                       {out->data(), rows, cols}, statistics->data(), statistics->data() + rows);
        };
    }});
    cases.push_back({"layer_norm_backward", size, 3.0 * array_bytes, 16.0 * elements,
                     [](Backend& backend, Random& random) -> std::function<void()> {
        auto in = device_copy(backend, random_values(random, rows * cols), "in");
        auto statistics = device_copy(backend, random_values(random, 2 * rows, 0.5f, 1.5f), "statistics");
        auto gain = device_copy(backend, random_values(random, cols), "gain");
        auto grad_out = device_copy(backend, random_values(random, rows * cols), "grad_out");
        auto grad_in = std::make_shared<DeviceBuffer<float>>(backend, rows * cols, "grad_in");
        auto parameter_gradients = std::make_shared<DeviceBuffer<float>>(backend, 2 * cols, "parameter gradients");
        return [&backend, in, statistics, gain, grad_out, grad_in, parameter_gradients] {
            backend.layer_norm_backward({in->data(), rows, cols}, statistics->data(), statistics->data() + rows,
                                        gain->data(), {grad_out->data(), rows, cols}, {grad_in->data(), rows, cols},
                                        0.0f, parameter_gradients->data(), parameter_gradients->data() + cols);
        };
    }});
}

}  // namespace

OperationFamily layer_norm_family() {
    return {"layer_norm", add_cases, call_with_empty_input, call_with_mismatched_shapes, add_throughput_cases};
}

}  // namespace tb::conformance
