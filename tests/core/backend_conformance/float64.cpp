// The float64 family: the double-precision operations of kernel recursions (cpu_backend_float64.cpp,
// gpu/kernels/float64_kernels.cu), against references evaluated in long double. Their bounds are in
// double roundings (2^-29 of float's u): a backend that computes any of them in float fails by orders of
// magnitude, and the ReLU expectations' cases put correlations at and just past +-1, where a float
// covariance would move the derivative kernel by 1e-4.

#include <cmath>
#include <memory>
#include <numbers>
#include <string>
#include <vector>

#include "tests/core/backend_conformance/conformance_case.h"
#include "tests/core/backend_conformance/guarded_arrays.h"
#include "tests/core/backend_conformance/random_inputs.h"
#include "tests/core/backend_conformance/throughput_operands.h"

namespace tb::conformance {
namespace {

constexpr double double_rounding = 0x1p-29;  // 2^-53 in units of float's unit roundoff
// A sum of n products in any order: within n double roundings of the sum of magnitudes, plus alpha's and
// beta's.
constexpr Tolerance float64_accumulation{2 * double_rounding, double_rounding, no_nmse_limit};
// The ReLU expectations: sigma is well conditioned (the arccos terms cancel to first order at rho = 1), but
// sigma_dot = (pi - arccos rho) / pi moves by sqrt(2 delta) / pi for a rounding delta of rho near 1:
// 4.7e-9 for one double rounding, a quarter of float's u. A float rho would move it by 1e-4.
constexpr Tolerance relu_expectation{0.25, 0.0, no_nmse_limit};

std::vector<double> random_doubles(Random& random, std::int64_t count, double low = -1.0, double high = 1.0) {
    std::uniform_real_distribution<double> uniform(low, high);
    std::vector<double> values(static_cast<std::size_t>(count));
    for (double& value : values) value = uniform(random);
    return values;
}

// Every element of a double output against its reference with the given error scales.
void compare_doubles(CaseContext& context, const std::string& output, const std::vector<double>& actual,
                     const std::vector<long double>& expected, const std::vector<long double>& scale,
                     const Tolerance& tolerance, double terms) {
    if (actual.size() != expected.size()) {
        context.fail(output + ": " + std::to_string(actual.size()) + " values, the reference has " +
                     std::to_string(expected.size()));
        return;
    }
    for (std::size_t i = 0; i < actual.size(); ++i) {
        context.compare_scalar(output + "[" + std::to_string(i) + "]", actual[i], static_cast<double>(expected[i]),
                               static_cast<double>(scale[i]), tolerance, terms);
    }
}

struct GemmF64Case {
    const char* label;
    std::int64_t m, n, k;
    Transpose transpose_a, transpose_b;
    double alpha, beta;
};

void add_gemm_cases(CaseList& cases) {
    const GemmF64Case gemm_cases[] = {
        {"7x3 by 5, NN", 7, 3, 5, Transpose::no, Transpose::no, 1.0, 0.0},
        {"7x3 by 5, TN alpha 1.5 beta 0.5", 7, 3, 5, Transpose::yes, Transpose::no, 1.5, 0.5},
        {"7x3 by 5, NT", 7, 3, 5, Transpose::no, Transpose::yes, 1.0, 0.0},
        {"7x3 by 5, TT beta 1", 7, 3, 5, Transpose::yes, Transpose::yes, -0.5, 1.0},
        {"64x90 by 300, NT (node features times node features)", 64, 90, 300, Transpose::no, Transpose::yes, 1.0, 0.0},
        {"5x4 by 0: beta only", 5, 4, 0, Transpose::no, Transpose::no, 1.0, 0.5},
    };
    for (const GemmF64Case& g : gemm_cases) {
        cases.push_back({"gemm_f64", g.label, false, [g](CaseContext& context) {
            const std::int64_t a_rows = g.transpose_a == Transpose::yes ? g.k : g.m;
            const std::int64_t a_cols = g.transpose_a == Transpose::yes ? g.m : g.k;
            const std::int64_t b_rows = g.transpose_b == Transpose::yes ? g.n : g.k;
            const std::int64_t b_cols = g.transpose_b == Transpose::yes ? g.k : g.n;
            const std::vector<double> a = random_doubles(context.random(), a_rows * a_cols);
            const std::vector<double> b = random_doubles(context.random(), b_rows * b_cols);
            const std::vector<double> c0 = random_doubles(context.random(), g.m * g.n);
            GuardedArray<double> device_a(context, a, "a", Role::input);
            GuardedArray<double> device_b(context, b, "b", Role::input);
            GuardedArray<double> device_c(context, c0, "c", Role::output);
            context.backend().gemm_f64(g.transpose_a, g.transpose_b, g.alpha, {device_a.data(), a_rows, a_cols},
                                       {device_b.data(), b_rows, b_cols}, g.beta, {device_c.data(), g.m, g.n});
            std::vector<long double> expected, scale;
            for (std::int64_t i = 0; i < g.m; ++i) {
                for (std::int64_t j = 0; j < g.n; ++j) {
                    long double sum = 0, magnitude = 0;
                    for (std::int64_t p = 0; p < g.k; ++p) {
                        const double x = g.transpose_a == Transpose::yes ? a[static_cast<std::size_t>(p * a_cols + i)]
                                                                         : a[static_cast<std::size_t>(i * a_cols + p)];
                        const double y = g.transpose_b == Transpose::yes ? b[static_cast<std::size_t>(j * b_cols + p)]
                                                                         : b[static_cast<std::size_t>(p * b_cols + j)];
                        sum += static_cast<long double>(x) * y;
                        magnitude += std::fabs(static_cast<long double>(x) * y);
                    }
                    const long double old = g.beta == 0.0 ? 0.0L : static_cast<long double>(g.beta) * c0[static_cast<std::size_t>(i * g.n + j)];
                    expected.push_back(g.alpha * sum + old);
                    scale.push_back(std::fabs(g.alpha) * magnitude + std::fabs(old));
                }
            }
            compare_doubles(context, "c", device_c.download(), expected, scale, float64_accumulation, static_cast<double>(g.k));
        }});
    }
}

// The sparse operand: adjacency-like patterns with values 0, 1 and a fraction, and some empty rows.
HostCsr random_pattern(Random& random, std::int64_t rows, std::int64_t cols) {
    HostCsr a = random_csr(random, rows, cols, SparsePattern{0.3, 0.2, 0});
    std::uniform_int_distribution<int> pick(0, 2);
    for (float& value : a.values) value = pick(random) == 0 ? 1.0f : pick(random) == 1 ? 0.25f : -2.0f;
    return a;
}

void add_sparse_cases(CaseList& cases) {
    for (const bool scaled : {false, true}) {
        const std::string suffix = scaled ? ", rows scaled" : "";
        cases.push_back({"csr_times_dense_f64", "9x11 sparse by 11x6" + suffix, false, [scaled](CaseContext& context) {
            const HostCsr a = random_pattern(context.random(), 9, 11);
            const std::vector<double> b = random_doubles(context.random(), 11 * 6);
            const std::vector<double> row_scale = random_doubles(context.random(), 9, 0.1, 1.0);
            GuardedCsr device_a(context, a, "a");
            GuardedArray<double> device_b(context, b, "b", Role::input);
            GuardedArray<double> device_scale(context, row_scale, "row_scale", Role::input);
            GuardedArray<double> device_c(context, std::vector<double>(9 * 6, std::nan("")), "c", Role::output);
            context.backend().csr_times_dense_f64(device_a.view(), scaled ? device_scale.data() : nullptr,
                                                  {device_b.data(), 11, 6}, {device_c.data(), 9, 6});
            std::vector<long double> expected, scale;
            for (std::int64_t i = 0; i < 9; ++i) {
                for (std::int64_t j = 0; j < 6; ++j) {
                    long double sum = 0, magnitude = 0;
                    for (std::int64_t e = a.row_offsets[static_cast<std::size_t>(i)]; e < a.row_offsets[static_cast<std::size_t>(i) + 1]; ++e) {
                        const long double term = static_cast<long double>(a.values[static_cast<std::size_t>(e)]) *
                                                 b[static_cast<std::size_t>(a.column_indices[static_cast<std::size_t>(e)] * 6 + j)];
                        sum += term;
                        magnitude += std::fabs(term);
                    }
                    const long double s = scaled ? row_scale[static_cast<std::size_t>(i)] : 1.0L;
                    expected.push_back(sum * s);
                    scale.push_back(magnitude * s);
                }
            }
            compare_doubles(context, "c", device_c.download(), expected, scale, float64_accumulation, 11);
        }});
        cases.push_back({"dense_times_csr_transpose_f64", "6x11 by (9x11 sparse)^T" + std::string(scaled ? ", columns scaled" : ""), false, [scaled](CaseContext& context) {
            const HostCsr a = random_pattern(context.random(), 9, 11);
            const std::vector<double> b = random_doubles(context.random(), 6 * 11);
            const std::vector<double> column_scale = random_doubles(context.random(), 9, 0.1, 1.0);
            GuardedCsr device_a(context, a, "a");
            GuardedArray<double> device_b(context, b, "b", Role::input);
            GuardedArray<double> device_scale(context, column_scale, "column_scale", Role::input);
            GuardedArray<double> device_c(context, std::vector<double>(6 * 9, std::nan("")), "c", Role::output);
            context.backend().dense_times_csr_transpose_f64({device_b.data(), 6, 11}, device_a.view(),
                                                            scaled ? device_scale.data() : nullptr, {device_c.data(), 6, 9});
            std::vector<long double> expected, scale;
            for (std::int64_t i = 0; i < 6; ++i) {
                for (std::int64_t j = 0; j < 9; ++j) {
                    long double sum = 0, magnitude = 0;
                    for (std::int64_t e = a.row_offsets[static_cast<std::size_t>(j)]; e < a.row_offsets[static_cast<std::size_t>(j) + 1]; ++e) {
                        const long double term = static_cast<long double>(a.values[static_cast<std::size_t>(e)]) *
                                                 b[static_cast<std::size_t>(i * 11 + a.column_indices[static_cast<std::size_t>(e)])];
                        sum += term;
                        magnitude += std::fabs(term);
                    }
                    const long double s = scaled ? column_scale[static_cast<std::size_t>(j)] : 1.0L;
                    expected.push_back(sum * s);
                    scale.push_back(magnitude * s);
                }
            }
            compare_doubles(context, "c", device_c.download(), expected, scale, float64_accumulation, 11);
        }});
    }
}

void add_relu_expectation_cases(CaseList& cases) {
    cases.push_back({"relu_kernel_expectation", "13x17: correlations across [-1, 1], at +-1 and just past, zero variances",
                     false, [](CaseContext& context) {
        const std::int64_t rows = 13, cols = 17;
        std::vector<double> row_variance = random_doubles(context.random(), rows, 0.5, 2.0);
        std::vector<double> column_variance = random_doubles(context.random(), cols, 0.5, 2.0);
        row_variance[3] = 0.0;  // a node with all-zero features
        column_variance[5] = 0.0;
        std::vector<double> sigma(static_cast<std::size_t>(rows * cols));
        const std::vector<double> rho = random_doubles(context.random(), rows * cols);
        for (std::int64_t i = 0; i < rows; ++i) {
            for (std::int64_t j = 0; j < cols; ++j) {
                const double scale = std::sqrt(row_variance[static_cast<std::size_t>(i)] * column_variance[static_cast<std::size_t>(j)]);
                const std::size_t at = static_cast<std::size_t>(i * cols + j);
                sigma[at] = j % 4 == 0   ? scale                    // correlation 1, as rounding leaves it
                            : j % 4 == 1 ? -scale                   // -1
                            : j == 2     ? scale * (1 + 1e-12)      // past 1: clamped
                                         : rho[at] * scale;
            }
        }
        const std::vector<double> theta = random_doubles(context.random(), rows * cols, 0.0, 3.0);
        GuardedArray<double> device_sigma(context, sigma, "sigma", Role::output);
        GuardedArray<double> device_theta(context, theta, "theta", Role::output);
        GuardedArray<double> device_rows(context, row_variance, "row_variance", Role::input);
        GuardedArray<double> device_columns(context, column_variance, "column_variance", Role::input);
        context.backend().relu_kernel_expectation({device_sigma.data(), rows, cols}, {device_theta.data(), rows, cols},
                                                  device_rows.data(), device_columns.data());
        std::vector<long double> expected_sigma, expected_theta, sigma_scale, theta_scale;
        const long double pi = std::numbers::pi_v<long double>;
        for (std::int64_t i = 0; i < rows; ++i) {
            for (std::int64_t j = 0; j < cols; ++j) {
                const std::size_t at = static_cast<std::size_t>(i * cols + j);
                const long double scale = std::sqrt(static_cast<long double>(row_variance[static_cast<std::size_t>(i)]) *
                                                    column_variance[static_cast<std::size_t>(j)]);
                long double r = scale > 0 ? sigma[at] / scale : 0.0L;
                r = std::min(1.0L, std::max(-1.0L, r));
                const long double angle = std::acos(r);
                const long double next = scale * (r * (pi - angle) + std::sqrt(1 - r * r)) / pi;
                expected_sigma.push_back(next);
                expected_theta.push_back(theta[at] * (pi - angle) / pi + next);
                sigma_scale.push_back(scale);
                theta_scale.push_back(theta[at] + scale);
            }
        }
        compare_doubles(context, "sigma", device_sigma.download(), expected_sigma, sigma_scale, relu_expectation, 1);
        compare_doubles(context, "theta", device_theta.download(), expected_theta, theta_scale, relu_expectation, 1);
    }});
}

void add_diagonal_cases(CaseList& cases) {
    cases.push_back({"copy_diagonal_f64", "7x7", false, [](CaseContext& context) {
        const std::vector<double> m = random_doubles(context.random(), 49);
        GuardedArray<double> device_m(context, m, "m", Role::input);
        GuardedArray<double> out(context, std::vector<double>(7, std::nan("")), "out", Role::output);
        context.backend().copy_diagonal_f64({device_m.data(), 7, 7}, out.data());
        std::vector<long double> expected, scale;
        for (std::size_t i = 0; i < 7; ++i) {
            expected.push_back(m[i * 8]);
            scale.push_back(0.0L);
        }
        compare_doubles(context, "out", out.download(), expected, scale, tolerance::exact, 0);
    }});
}

// Zero rows: nothing to compute, and nothing written around the (empty) outputs.
void add_empty_cases(CaseList& cases) {
    cases.push_back({"gemm_f64", "0x3 by 5", true, [](CaseContext& context) {
        GuardedArray<double> b(context, random_doubles(context.random(), 15), "b", Role::input);
        GuardedArray<double> c(context, {}, "c", Role::output);
        context.backend().gemm_f64(Transpose::no, Transpose::no, 1.0, {nullptr, 0, 5}, {b.data(), 5, 3}, 0.0, {c.data(), 0, 3});
    }});
    cases.push_back({"csr_times_dense_f64", "0-row sparse", true, [](CaseContext& context) {
        const HostCsr a = random_pattern(context.random(), 0, 4);
        GuardedCsr device_a(context, a, "a");
        GuardedArray<double> b(context, random_doubles(context.random(), 8), "b", Role::input);
        GuardedArray<double> c(context, {}, "c", Role::output);
        context.backend().csr_times_dense_f64(device_a.view(), nullptr, {b.data(), 4, 2}, {c.data(), 0, 2});
    }});
    cases.push_back({"dense_times_csr_transpose_f64", "0-row dense", true, [](CaseContext& context) {
        const HostCsr a = random_pattern(context.random(), 3, 4);
        GuardedCsr device_a(context, a, "a");
        GuardedArray<double> c(context, {}, "c", Role::output);
        context.backend().dense_times_csr_transpose_f64({nullptr, 0, 4}, device_a.view(), nullptr, {c.data(), 0, 3});
    }});
    cases.push_back({"relu_kernel_expectation", "0x5", true, [](CaseContext& context) {
        GuardedArray<double> variance(context, std::vector<double>(5, 1.0), "column_variance", Role::input);
        context.backend().relu_kernel_expectation({nullptr, 0, 5}, {nullptr, 0, 5}, nullptr, variance.data());
    }});
    cases.push_back({"copy_diagonal_f64", "0x0", true, [](CaseContext& context) {
        context.backend().copy_diagonal_f64({nullptr, 0, 0}, nullptr);
    }});
}

void add_cases(CaseList& cases) {
    add_empty_cases(cases);
    add_gemm_cases(cases);
    add_sparse_cases(cases);
    add_relu_expectation_cases(cases);
    add_diagonal_cases(cases);
}

void call_with_empty_input(OperationCalls& calls) {
    Backend& backend = calls.backend();
    const CsrView empty_csr{0, 0, 0, nullptr, nullptr, nullptr};
    calls.attempt("gemm_f64", [&] { backend.gemm_f64(Transpose::no, Transpose::no, 1.0, {nullptr, 0, 3}, {nullptr, 3, 0}, 0.0, {nullptr, 0, 0}); });
    calls.attempt("csr_times_dense_f64", [&] { backend.csr_times_dense_f64(empty_csr, nullptr, {nullptr, 0, 4}, {nullptr, 0, 4}); });
    calls.attempt("dense_times_csr_transpose_f64", [&] {
        backend.dense_times_csr_transpose_f64({nullptr, 0, 0}, empty_csr, nullptr, {nullptr, 0, 0});
    });
    calls.attempt("relu_kernel_expectation", [&] { backend.relu_kernel_expectation({nullptr, 0, 5}, {nullptr, 0, 5}, nullptr, nullptr); });
    calls.attempt("copy_diagonal_f64", [&] { backend.copy_diagonal_f64({nullptr, 0, 0}, nullptr); });
}

void call_with_mismatched_shapes(OperationCalls& calls) {
    Backend& backend = calls.backend();
    GuardedArray<double> square(calls.context(), random_doubles(calls.random(), 16), "square", Role::input);
    GuardedArray<double> other(calls.context(), random_doubles(calls.random(), 16), "other", Role::input);
    GuardedArray<double> variances(calls.context(), std::vector<double>(4, 1.0), "variances", Role::input);
    const HostCsr pattern = random_pattern(calls.random(), 4, 4);
    GuardedCsr a(calls.context(), pattern, "a");
    calls.reject("gemm_f64", "inner sizes 4 and 2", [&] {
        backend.gemm_f64(Transpose::no, Transpose::no, 1.0, {square.data(), 4, 4}, {other.data(), 2, 8}, 0.0, {nullptr, 4, 8});
    });
    calls.reject("csr_times_dense_f64", "b with 2 rows for a of 4 columns", [&] {
        backend.csr_times_dense_f64(a.view(), nullptr, {square.data(), 2, 8}, {other.data(), 4, 8});
    });
    calls.reject("dense_times_csr_transpose_f64", "b with 8 columns for a of 4", [&] {
        backend.dense_times_csr_transpose_f64({square.data(), 2, 8}, a.view(), nullptr, {other.data(), 2, 4});
    });
    calls.reject("relu_kernel_expectation", "theta of another shape", [&] {
        backend.relu_kernel_expectation({square.data(), 4, 4}, {other.data(), 2, 8}, variances.data(), variances.data());
    });
    calls.reject("copy_diagonal_f64", "a 2x8 matrix", [&] { backend.copy_diagonal_f64({square.data(), 2, 8}, other.data()); });
}

// A block pair of a Gram matrix: 2,048 nodes against 2,048, their adjacency with about 3 neighbours
// and the node itself per row (MUTAG-like), node features of 64 columns.
constexpr std::int64_t nodes = 2048;
constexpr std::int64_t features = 64;

HostCsr block_adjacency(Random& random) {
    HostCsr a = random_csr(random, nodes, nodes, SparsePattern{4.0 / nodes, 0.0, 0});
    for (float& value : a.values) value = 1.0f;
    return a;
}

std::shared_ptr<DeviceBuffer<double>> device_doubles(Backend& backend, Random& random, std::int64_t count, const char* what) {
    return device_copy(backend, random_doubles(random, count, 0.5, 1.5), what);
}

void add_throughput_cases(ThroughputCaseList& cases) {
    const double matrix_bytes = 8.0 * nodes * nodes;
    cases.push_back({"gemm_f64", "2048x2048 by 64 (input covariance)", 8.0 * 2 * nodes * features + matrix_bytes,
                     2.0 * nodes * nodes * features, [](Backend& backend, Random& random) -> std::function<void()> {
        auto h = device_doubles(backend, random, nodes * features, "features");
        auto c = std::make_shared<DeviceBuffer<double>>(backend, nodes * nodes, "covariance");
        return [&backend, h, c] {
            backend.gemm_f64(Transpose::no, Transpose::yes, 1.0, {h->data(), nodes, features}, {h->data(), nodes, features}, 0.0,
                             {c->data(), nodes, nodes});
        };
    }});
    const auto aggregation = [matrix_bytes](bool left) {
        return ThroughputCase{left ? "csr_times_dense_f64" : "dense_times_csr_transpose_f64",
                              left ? "2048-node adjacency by 2048x2048" : "2048x2048 by the 2048-node adjacency^T",
                              2 * matrix_bytes, 0.0, [left](Backend& backend, Random& random) -> std::function<void()> {
            auto a = device_copy(backend, block_adjacency(random));
            auto b = device_doubles(backend, random, nodes * nodes, "b");
            auto c = std::make_shared<DeviceBuffer<double>>(backend, nodes * nodes, "c");
            return [&backend, a, b, c, left] {
                if (left) {
                    backend.csr_times_dense_f64(a->view(), nullptr, {b->data(), nodes, nodes}, {c->data(), nodes, nodes});
                } else {
                    backend.dense_times_csr_transpose_f64({b->data(), nodes, nodes}, a->view(), nullptr, {c->data(), nodes, nodes});
                }
            };
        }};
    };
    cases.push_back(aggregation(true));
    cases.push_back(aggregation(false));
    cases.push_back({"relu_kernel_expectation", "2048x2048", 4 * matrix_bytes, 0.0,
                     [](Backend& backend, Random& random) -> std::function<void()> {
        auto sigma = device_doubles(backend, random, nodes * nodes, "sigma");
        auto theta = device_doubles(backend, random, nodes * nodes, "theta");
        auto variance = device_doubles(backend, random, nodes, "variance");
        // In place: repeated calls keep every value finite and in range.
        return [&backend, sigma, theta, variance] {
            backend.relu_kernel_expectation({sigma->data(), nodes, nodes}, {theta->data(), nodes, nodes}, variance->data(),
                                            variance->data());
        };
    }});
    cases.push_back({"copy_diagonal_f64", "2048x2048", 16.0 * nodes, 0.0, [](Backend& backend, Random& random) -> std::function<void()> {
        auto m = device_doubles(backend, random, nodes * nodes, "m");
        auto out = std::make_shared<DeviceBuffer<double>>(backend, nodes, "diagonal");
        return [&backend, m, out] { backend.copy_diagonal_f64({m->data(), nodes, nodes}, out->data()); };
    }});
}

}  // namespace

OperationFamily float64_family() {
    return {"float64", add_cases, call_with_empty_input, call_with_mismatched_shapes, add_throughput_cases};
}

}  // namespace tb::conformance
