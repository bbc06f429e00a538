// The element-wise family: fill, scale, axpby, the row-vector broadcast and the column sums, the row-wise
// inner products and scaling, ReLU and
// dropout (cpu_backend.cpp's element-wise section, gpu/kernels/elementwise_kernels.cu).

#include <cstring>
#include <memory>
#include <string>

#include "core/backend/dropout_mask.h"
#include "tests/core/backend_conformance/conformance_case.h"
#include "tests/core/backend_conformance/guarded_arrays.h"
#include "tests/core/backend_conformance/random_inputs.h"
#include "tests/core/backend_conformance/strided_blocks.h"
#include "tests/core/backend_conformance/throughput_operands.h"

namespace tb::conformance {
namespace {

void add_fill_scale_axpby_cases(CaseList& cases) {
    for (std::int64_t count : flat_counts) {
        cases.push_back({"fill", std::to_string(count) + " over NaN", count == 0, [=](CaseContext& context) {
            GuardedArray<float> x(context, nan_values(count), "x", Role::output);
            context.backend().fill(x.data(), count, -3.25f);
            context.compare("x", x.download(), constant_expected(count, -3.25), tolerance::exact, 0.0);
        }});
        for (float alpha : {0.3f, -2.0f}) {
            cases.push_back({"scale", std::to_string(count) + " by " + std::to_string(alpha), count == 0,
                             [=](CaseContext& context) {
                const std::vector<float> values = random_values(context.random(), count);
                GuardedArray<float> x(context, values, "x", Role::output);
                context.backend().scale(x.data(), count, alpha);
                context.compare("x", x.download(), reference::scale(values, alpha), tolerance::one_rounding, 0.0);
            }});
        }
    }
    struct AxpbyCase {
        const char* label;
        std::int64_t count;
        float alpha, beta;
    };
    const AxpbyCase axpby_cases[] = {
        {"0", 0, 1.0f, 0.5f},           {"1, beta 0 over NaN", 1, 2.0f, 0.0f},
        {"999, beta 0 over NaN", 999, -0.5f, 0.0f}, {"40001, alpha 0.5, beta -0.75", 40001, 0.5f, -0.75f},
        {"1000, alpha -1, beta 1", 1000, -1.0f, 1.0f},
    };
    for (const AxpbyCase& shape : axpby_cases) {
        cases.push_back({"axpby", shape.label, shape.count == 0, [=](CaseContext& context) {
            const std::vector<float> x = random_values(context.random(), shape.count);
            const std::vector<float> y =
                shape.beta == 0.0f ? nan_values(shape.count) : random_values(context.random(), shape.count);
            GuardedArray<float> device_x(context, x, "x", Role::input);
            GuardedArray<float> device_y(context, y, "y", Role::output);
            context.backend().axpby(shape.alpha, device_x.data(), shape.beta, device_y.data(), shape.count);
            context.compare("y", device_y.download(), reference::axpby(shape.alpha, x, shape.beta, y),
                            tolerance::axpby, 0.0);
        }});
    }
}

// Matrices for the row-wise kernels: empty batch, a single element, odd, and past the parallel threshold.
const MatrixShape matrix_shapes[] = {{0, 7}, {1, 1}, {7, 13}, {300, 129}};

void add_row_vector_and_column_sum_cases(CaseList& cases) {
    for (const MatrixShape shape : matrix_shapes) {
        cases.push_back({"add_row_vector", shape.label(), shape.empty(), [=](CaseContext& context) {
            const HostMatrix m = random_matrix(context.random(), shape.rows, shape.cols);
            const std::vector<float> row_vector = random_values(context.random(), shape.cols);
            GuardedMatrix device_m(context, m, "m", Role::output);
            GuardedArray<float> device_row(context, row_vector, "row_vector", Role::input);
            context.backend().add_row_vector(device_m.view(), device_row.data());
            context.compare("m", device_m.download(), reference::add_row_vector(m, row_vector),
                            tolerance::one_rounding, 0.0);
        }});
    }
    struct ColumnSumCase {
        MatrixShape shape;
        float alpha, beta;
    };
    // Two 256-column blocks and more in the 300x600 case, the CPU backend's unit of parallel work.
    const ColumnSumCase column_cases[] = {
        {{0, 9}, 1.0f, 0.0f}, {{0, 9}, 1.0f, 0.5f},    {{5, 0}, 1.0f, 0.0f},   {{1, 1}, 1.0f, 0.0f},
        {{7, 13}, 1.0f, 0.0f}, {{300, 600}, 0.5f, 2.0f}, {{1000, 3}, -1.0f, 0.0f},
    };
    for (const ColumnSumCase& column_case : column_cases) {
        const std::string name = column_case.shape.label() + " alpha " + std::to_string(column_case.alpha) +
                                 " beta " + std::to_string(column_case.beta);
        cases.push_back({"column_sums", name, column_case.shape.empty(), [=](CaseContext& context) {
            const MatrixShape shape = column_case.shape;
            const HostMatrix m = random_matrix(context.random(), shape.rows, shape.cols);
            const std::vector<float> out =
                column_case.beta == 0.0f ? nan_values(shape.cols) : random_values(context.random(), shape.cols);
            GuardedMatrix device_m(context, m, "m", Role::input);
            GuardedArray<float> device_out(context, out, "out", Role::output);
            context.backend().column_sums(column_case.alpha, device_m.const_view(), column_case.beta,
                                          device_out.data());
            context.compare("out", device_out.download(),
                            reference::column_sums(column_case.alpha, m, column_case.beta, out),
                            tolerance::accumulation, static_cast<double>(shape.rows));
        }});
    }
}

// Row-wise products (FM's interaction term, the cross layer): the row-wise shapes, plus a short wide
// batch and a long narrow one.
void add_row_dot_and_scale_rows_cases(CaseList& cases) {
    struct RowCase {
        MatrixShape shape;
        float alpha, beta;
    };
    const RowCase row_cases[] = {
        {{0, 7}, 1.0f, 0.0f},      {{4, 0}, 1.0f, 0.5f},     {{1, 1}, 1.0f, 0.0f},   {{7, 13}, 0.5f, -1.0f},
        {{300, 129}, 1.0f, 0.0f},  {{2, 4096}, -2.0f, 1.0f}, {{5000, 3}, 1.0f, 0.0f},
    };
    for (const RowCase& row_case : row_cases) {
        const MatrixShape shape = row_case.shape;
        const std::string name = shape.label() + " alpha " + std::to_string(row_case.alpha) + " beta " +
                                 std::to_string(row_case.beta);
        cases.push_back({"row_dot", name, shape.rows == 0, [=](CaseContext& context) {
            const HostMatrix a = random_matrix(context.random(), shape.rows, shape.cols);
            const HostMatrix b = random_matrix(context.random(), shape.rows, shape.cols);
            const std::vector<float> out =
                row_case.beta == 0.0f ? nan_values(shape.rows) : random_values(context.random(), shape.rows);
            GuardedMatrix device_a(context, a, "a", Role::input);
            GuardedMatrix device_b(context, b, "b", Role::input);
            GuardedArray<float> device_out(context, out, "out", Role::output);
            context.backend().row_dot(row_case.alpha, device_a.const_view(), device_b.const_view(), row_case.beta,
                                      device_out.data());
            context.compare("out", device_out.download(), reference::row_dot(row_case.alpha, a, b, row_case.beta, out),
                            tolerance::accumulation, static_cast<double>(shape.cols));
        }});
        cases.push_back({"scale_rows", name, shape.empty(), [=](CaseContext& context) {
            const HostMatrix in = random_matrix(context.random(), shape.rows, shape.cols);
            const std::vector<float> scale = random_values(context.random(), shape.rows);
            const HostMatrix out = row_case.beta == 0.0f ? nan_matrix(shape.rows, shape.cols)
                                                         : random_matrix(context.random(), shape.rows, shape.cols);
            GuardedMatrix device_in(context, in, "in", Role::input);
            GuardedArray<float> device_scale(context, scale, "scale", Role::input);
            GuardedMatrix device_out(context, out, "out", Role::output);
            context.backend().scale_rows(device_in.const_view(), device_scale.data(), row_case.beta, device_out.view());
            context.compare("out", device_out.download(), reference::scale_rows(in, scale, row_case.beta, out),
                            tolerance::axpby, 0.0);
        }});
    }
    // In place, as the cross layer's backward scales a gradient it owns.
    cases.push_back({"scale_rows", "300x129 in place", false, [](CaseContext& context) {
        const HostMatrix in = random_matrix(context.random(), 300, 129);
        const std::vector<float> scale = random_values(context.random(), 300);
        GuardedMatrix device(context, in, "in/out", Role::output);
        GuardedArray<float> device_scale(context, scale, "scale", Role::input);
        context.backend().scale_rows(device.const_view(), device_scale.data(), 0.0f, device.view());
        context.compare("out", device.download(), reference::scale_rows(in, scale, 0.0, in), tolerance::one_rounding, 0.0);
    }});
}

// Activations with exact zeros of both signs among them: relu's boundary is where backends differ.
HostMatrix activations_with_zeros(Random& random, MatrixShape shape) {
    HostMatrix m = random_matrix(random, shape.rows, shape.cols);
    for (std::size_t i = 0; i < m.values.size(); i += 7) m.values[i] = 0.0f;
    for (std::size_t i = 3; i < m.values.size(); i += 11) m.values[i] = -0.0f;
    return m;
}

void add_relu_cases(CaseList& cases) {
    for (const MatrixShape shape : matrix_shapes) {
        for (bool in_place : {false, true}) {
            const std::string name = shape.label() + (in_place ? " in place" : "");
            cases.push_back({"relu_forward", name, shape.empty(), [=](CaseContext& context) {
                const HostMatrix in = activations_with_zeros(context.random(), shape);
                const reference::Expected expected = reference::relu_forward(in.values);
                if (in_place) {
                    GuardedMatrix device(context, in, "in/out", Role::output);
                    context.backend().relu_forward(device.const_view(), device.view());
                    context.compare("out", device.download(), expected, tolerance::exact, 0.0);
                } else {
                    GuardedMatrix device_in(context, in, "in", Role::input);
                    GuardedMatrix device_out(context, nan_matrix(shape.rows, shape.cols), "out", Role::output);
                    context.backend().relu_forward(device_in.const_view(), device_out.view());
                    context.compare("out", device_out.download(), expected, tolerance::exact, 0.0);
                }
            }});
            cases.push_back({"relu_backward", name, shape.empty(), [=](CaseContext& context) {
                const HostMatrix activation = activations_with_zeros(context.random(), shape);
                const HostMatrix grad_out = random_matrix(context.random(), shape.rows, shape.cols);
                const reference::Expected expected = reference::relu_backward(activation.values, grad_out.values);
                GuardedMatrix device_activation(context, activation, "activation", Role::input);
                if (in_place) {
                    GuardedMatrix device_grad(context, grad_out, "grad_out/grad_in", Role::output);
                    context.backend().relu_backward(device_activation.const_view(), device_grad.const_view(),
                                                    device_grad.view());
                    context.compare("grad_in", device_grad.download(), expected, tolerance::exact, 0.0);
                } else {
                    GuardedMatrix device_grad_out(context, grad_out, "grad_out", Role::input);
                    GuardedMatrix device_grad_in(context, nan_matrix(shape.rows, shape.cols), "grad_in", Role::output);
                    context.backend().relu_backward(device_activation.const_view(), device_grad_out.const_view(),
                                                    device_grad_in.view());
                    context.compare("grad_in", device_grad_in.download(), expected, tolerance::exact, 0.0);
                }
            }});
        }
    }
}

void add_dropout_cases(CaseList& cases) {
    struct DropoutCase {
        const char* label;
        MatrixShape shape;
        float rate;
        std::uint64_t seed;
        std::uint64_t stream_offset;
        bool in_place;
    };
    const DropoutCase dropout_cases[] = {
        {"0x4", {0, 4}, 0.5f, 1, 0, false},
        {"1x1 rate 0.9", {1, 1}, 0.9f, 5, 0, false},
        {"7x13 rate 0.5", {7, 13}, 0.5f, 3, 0, false},
        {"300x129 rate 0.1 offset 12345", {300, 129}, 0.1f, 42, 12345, false},
        {"7x13 rate 0 keeps everything", {7, 13}, 0.0f, 9, 77, false},
        {"300x129 rate 0.3 in place, offset 2^40", {300, 129}, 0.3f, 7, std::uint64_t{1} << 40, true},
    };
    for (const DropoutCase& dropout : dropout_cases) {
        cases.push_back({"dropout_forward", dropout.label, dropout.shape.empty(), [=](CaseContext& context) {
            const MatrixShape shape = dropout.shape;
            const HostMatrix in = random_matrix(context.random(), shape.rows, shape.cols);
            const reference::Expected mask =
                reference::dropout_mask(in.rows * in.cols, dropout.rate, dropout.seed, dropout.stream_offset);
            const reference::Expected expected = reference::multiply(in.values, as_floats(mask.values));
            GuardedArray<float> device_mask(context, nan_values(in.rows * in.cols), "mask", Role::output);
            if (dropout.in_place) {
                GuardedMatrix device(context, in, "in/out", Role::output);
                context.backend().dropout_forward(device.const_view(), device.view(), device_mask.data(),
                                                  dropout.rate, dropout.seed, dropout.stream_offset);
                context.compare("out", device.download(), expected, tolerance::dropout_output, 0.0);
            } else {
                GuardedMatrix device_in(context, in, "in", Role::input);
                GuardedMatrix device_out(context, nan_matrix(shape.rows, shape.cols), "out", Role::output);
                context.backend().dropout_forward(device_in.const_view(), device_out.view(), device_mask.data(),
                                                  dropout.rate, dropout.seed, dropout.stream_offset);
                context.compare("out", device_out.download(), expected, tolerance::dropout_output, 0.0);
            }
            // The mask is specified bit for bit (core/backend/dropout_mask.h): the same on every backend.
            context.compare("mask", device_mask.download(), mask, tolerance::exact, 0.0);
        }});
        cases.push_back({"dropout_backward", dropout.label, dropout.shape.empty(), [=](CaseContext& context) {
            const MatrixShape shape = dropout.shape;
            const HostMatrix grad_out = random_matrix(context.random(), shape.rows, shape.cols);
            const std::vector<float> mask = as_floats(
                reference::dropout_mask(shape.rows * shape.cols, dropout.rate, dropout.seed, dropout.stream_offset)
                    .values);
            const reference::Expected expected = reference::multiply(grad_out.values, mask);
            GuardedArray<float> device_mask(context, mask, "mask", Role::input);
            if (dropout.in_place) {
                GuardedMatrix device(context, grad_out, "grad_out/grad_in", Role::output);
                context.backend().dropout_backward(device.const_view(), device_mask.data(), device.view());
                context.compare("grad_in", device.download(), expected, tolerance::one_rounding, 0.0);
            } else {
                GuardedMatrix device_grad_out(context, grad_out, "grad_out", Role::input);
                GuardedMatrix device_grad_in(context, nan_matrix(shape.rows, shape.cols), "grad_in", Role::output);
                context.backend().dropout_backward(device_grad_out.const_view(), device_mask.data(),
                                                   device_grad_in.view());
                context.compare("grad_in", device_grad_in.download(), expected, tolerance::one_rounding, 0.0);
            }
        }});
    }
}

// The row-wise operations on column blocks of wider matrices: every row starts at its own offset, and
// the columns between the blocks must come back untouched. 300x129 crosses the CPU backend's parallel
// threshold.
void add_strided_elementwise_cases(CaseList& cases) {
    for (const MatrixShape shape : {MatrixShape{7, 13}, MatrixShape{300, 129}}) {
        const std::string name = "column blocks " + shape.label();
        cases.push_back({"add_row_vector", name, false, [=](CaseContext& context) {
            const HostMatrix m = random_matrix(context.random(), shape.rows, shape.cols);
            const std::vector<float> row_vector = random_values(context.random(), shape.cols);
            const HostMatrix wide_m = widen(context.random(), m);
            GuardedMatrix device_m(context, wide_m, "m", Role::output);
            GuardedArray<float> device_row(context, row_vector, "row_vector", Role::input);
            auto call = [&] {
                context.backend().add_row_vector(device_m.block(columns_left_of_block, shape.cols), device_row.data());
            };
            if (strided_views_refused(context, Operation::add_row_vector, call)) return;
            call();
            compare_column_block(context, "m", device_m.download(), wide_m, shape.cols,
                                 reference::add_row_vector(m, row_vector), tolerance::one_rounding, 0.0);
        }, true});
        cases.push_back({"column_sums", name, false, [=](CaseContext& context) {
            const HostMatrix m = random_matrix(context.random(), shape.rows, shape.cols);
            const std::vector<float> out = random_values(context.random(), shape.cols);
            GuardedMatrix device_m(context, widen(context.random(), m), "m", Role::input);
            GuardedArray<float> device_out(context, out, "out", Role::output);
            auto call = [&] {
                context.backend().column_sums(0.5f, device_m.block(columns_left_of_block, shape.cols), -1.0f,
                                              device_out.data());
            };
            if (strided_views_refused(context, Operation::column_sums, call)) return;
            call();
            context.compare("out", device_out.download(), reference::column_sums(0.5f, m, -1.0f, out),
                            tolerance::accumulation, static_cast<double>(shape.rows));
        }, true});
        cases.push_back({"relu_forward", name, false, [=](CaseContext& context) {
            const HostMatrix in = activations_with_zeros(context.random(), shape);
            GuardedMatrix device_in(context, widen(context.random(), in), "in", Role::input);
            const HostMatrix wide_out = widen(context.random(), nan_matrix(shape.rows, shape.cols));
            GuardedMatrix device_out(context, wide_out, "out", Role::output);
            auto call = [&] {
                context.backend().relu_forward(device_in.block(columns_left_of_block, shape.cols),
                                               device_out.block(columns_left_of_block, shape.cols));
            };
            if (strided_views_refused(context, Operation::relu_forward, call)) return;
            call();
            compare_column_block(context, "out", device_out.download(), wide_out, shape.cols,
                                 reference::relu_forward(in.values), tolerance::exact, 0.0);
        }, true});
        cases.push_back({"row_dot", name, false, [=](CaseContext& context) {
            const HostMatrix a = random_matrix(context.random(), shape.rows, shape.cols);
            const HostMatrix b = random_matrix(context.random(), shape.rows, shape.cols);
            const std::vector<float> out = random_values(context.random(), shape.rows);
            GuardedMatrix device_a(context, widen(context.random(), a), "a", Role::input);
            GuardedMatrix device_b(context, widen(context.random(), b), "b", Role::input);
            GuardedArray<float> device_out(context, out, "out", Role::output);
            auto call = [&] {
                context.backend().row_dot(1.0f, device_a.block(columns_left_of_block, shape.cols),
                                          device_b.block(columns_left_of_block, shape.cols), 1.0f, device_out.data());
            };
            if (strided_views_refused(context, Operation::row_dot, call)) return;
            call();
            context.compare("out", device_out.download(), reference::row_dot(1.0, a, b, 1.0, out),
                            tolerance::accumulation, static_cast<double>(shape.cols));
        }, true});
        cases.push_back({"scale_rows", name, false, [=](CaseContext& context) {
            const HostMatrix in = random_matrix(context.random(), shape.rows, shape.cols);
            const std::vector<float> scale = random_values(context.random(), shape.rows);
            GuardedMatrix device_in(context, widen(context.random(), in), "in", Role::input);
            GuardedArray<float> device_scale(context, scale, "scale", Role::input);
            const HostMatrix wide_out = widen(context.random(), nan_matrix(shape.rows, shape.cols));
            GuardedMatrix device_out(context, wide_out, "out", Role::output);
            auto call = [&] {
                context.backend().scale_rows(device_in.block(columns_left_of_block, shape.cols), device_scale.data(),
                                             0.0f, device_out.block(columns_left_of_block, shape.cols));
            };
            if (strided_views_refused(context, Operation::scale_rows, call)) return;
            call();
            compare_column_block(context, "out", device_out.download(), wide_out, shape.cols,
                                 reference::scale_rows(in, scale, 0.0, in), tolerance::one_rounding, 0.0);
        }, true});
        cases.push_back({"relu_backward", name, false, [=](CaseContext& context) {
            const HostMatrix activation = activations_with_zeros(context.random(), shape);
            const HostMatrix grad_out = random_matrix(context.random(), shape.rows, shape.cols);
            GuardedMatrix device_activation(context, widen(context.random(), activation), "activation", Role::input);
            GuardedMatrix device_grad_out(context, widen(context.random(), grad_out), "grad_out", Role::input);
            const HostMatrix wide_grad_in = widen(context.random(), nan_matrix(shape.rows, shape.cols));
            GuardedMatrix device_grad_in(context, wide_grad_in, "grad_in", Role::output);
            auto call = [&] {
                context.backend().relu_backward(device_activation.block(columns_left_of_block, shape.cols),
                                                device_grad_out.block(columns_left_of_block, shape.cols),
                                                device_grad_in.block(columns_left_of_block, shape.cols));
            };
            if (strided_views_refused(context, Operation::relu_backward, call)) return;
            call();
            compare_column_block(context, "grad_in", device_grad_in.download(), wide_grad_in, shape.cols,
                                 reference::relu_backward(activation.values, grad_out.values), tolerance::exact, 0.0);
        }, true});
        // The mask stays contiguous and counts the block's elements row by row: the mask a contiguous
        // copy of the block would draw.
        cases.push_back({"dropout_forward", name, false, [=](CaseContext& context) {
            const HostMatrix in = random_matrix(context.random(), shape.rows, shape.cols);
            const reference::Expected mask = reference::dropout_mask(shape.rows * shape.cols, 0.3f, 5, 999);
            GuardedMatrix device_in(context, widen(context.random(), in), "in", Role::input);
            const HostMatrix wide_out = widen(context.random(), nan_matrix(shape.rows, shape.cols));
            GuardedMatrix device_out(context, wide_out, "out", Role::output);
            GuardedArray<float> device_mask(context, nan_values(shape.rows * shape.cols), "mask", Role::output);
            auto call = [&] {
                context.backend().dropout_forward(device_in.block(columns_left_of_block, shape.cols),
                                                  device_out.block(columns_left_of_block, shape.cols),
                                                  device_mask.data(), 0.3f, 5, 999);
            };
            if (strided_views_refused(context, Operation::dropout_forward, call)) return;
            call();
            compare_column_block(context, "out", device_out.download(), wide_out, shape.cols,
                                 reference::multiply(in.values, as_floats(mask.values)), tolerance::dropout_output,
                                 0.0);
            context.compare("mask", device_mask.download(), mask, tolerance::exact, 0.0);
        }, true});
        cases.push_back({"dropout_backward", name, false, [=](CaseContext& context) {
            const HostMatrix grad_out = random_matrix(context.random(), shape.rows, shape.cols);
            const std::vector<float> mask =
                as_floats(reference::dropout_mask(shape.rows * shape.cols, 0.3f, 5, 999).values);
            GuardedMatrix device_grad_out(context, widen(context.random(), grad_out), "grad_out", Role::input);
            GuardedArray<float> device_mask(context, mask, "mask", Role::input);
            const HostMatrix wide_grad_in = widen(context.random(), nan_matrix(shape.rows, shape.cols));
            GuardedMatrix device_grad_in(context, wide_grad_in, "grad_in", Role::output);
            auto call = [&] {
                context.backend().dropout_backward(device_grad_out.block(columns_left_of_block, shape.cols),
                                                   device_mask.data(),
                                                   device_grad_in.block(columns_left_of_block, shape.cols));
            };
            if (strided_views_refused(context, Operation::dropout_backward, call)) return;
            call();
            compare_column_block(context, "grad_in", device_grad_in.download(), wide_grad_in, shape.cols,
                                 reference::multiply(grad_out.values, mask), tolerance::one_rounding, 0.0);
        }, true});
    }
}

void add_cases(CaseList& cases) {
    add_fill_scale_axpby_cases(cases);
    add_row_vector_and_column_sum_cases(cases);
    add_row_dot_and_scale_rows_cases(cases);
    add_relu_cases(cases);
    add_dropout_cases(cases);
    add_strided_elementwise_cases(cases);
}

void call_with_empty_input(OperationCalls& calls) {
    Backend& backend = calls.backend();
    CaseContext& context = calls.context();
    GuardedArray<float> column_out(context, nan_values(5), "out", Role::output);
    GuardedArray<float> row_vector(context, random_values(calls.random(), 5), "row vector", Role::input);
    calls.attempt("fill", [&] { backend.fill(nullptr, 0, 1.0f); });
    calls.attempt("scale", [&] { backend.scale(nullptr, 0, 2.0f); });
    calls.attempt("axpby", [&] { backend.axpby(1.0f, nullptr, 0.0f, nullptr, 0); });
    calls.attempt("add_row_vector", [&] { backend.add_row_vector({nullptr, 0, 5}, row_vector.data()); });
    calls.attempt("column_sums", [&] {
        backend.column_sums(1.0f, {nullptr, 0, 5}, 0.0f, column_out.data());
        backend.column_sums(1.0f, {nullptr, 4, 0}, 0.0f, nullptr);
    });
    context.compare("column_sums out", column_out.download(), constant_expected(5, 0.0), tolerance::exact, 0.0);
    GuardedArray<float> row_out(context, nan_values(4), "out", Role::output);
    calls.attempt("row_dot", [&] {
        backend.row_dot(1.0f, {nullptr, 0, 5}, {nullptr, 0, 5}, 0.0f, nullptr);
        backend.row_dot(1.0f, {nullptr, 4, 0}, {nullptr, 4, 0}, 0.0f, row_out.data());
    });
    context.compare("row_dot out", row_out.download(), constant_expected(4, 0.0), tolerance::exact, 0.0);
    calls.attempt("scale_rows", [&] { backend.scale_rows({nullptr, 0, 5}, nullptr, 0.0f, {nullptr, 0, 5}); });
    calls.attempt("relu_forward", [&] { backend.relu_forward({nullptr, 0, 7}, {nullptr, 0, 7}); });
    calls.attempt("relu_backward", [&] { backend.relu_backward({nullptr, 0, 7}, {nullptr, 0, 7}, {nullptr, 0, 7}); });
    calls.attempt("dropout_forward", [&] {
        backend.dropout_forward({nullptr, 0, 3}, {nullptr, 0, 3}, nullptr, 0.5f, 1, 0);
    });
    calls.attempt("dropout_backward", [&] { backend.dropout_backward({nullptr, 0, 3}, nullptr, {nullptr, 0, 3}); });
}

void call_with_mismatched_shapes(OperationCalls& calls) {
    Backend& backend = calls.backend();
    CaseContext& context = calls.context();
    Random& random = calls.random();
    GuardedMatrix square(context, random_matrix(random, 4, 4), "square", Role::input);
    GuardedArray<float> mask(context, random_values(random, 16), "mask", Role::input);
    GuardedArray<float> vector(context, random_values(random, 16), "vector", Role::input);
    calls.reject("fill", "a negative count", [&] { backend.fill(vector.data(), -1, 0.0f); });
    calls.reject("scale", "a negative count", [&] { backend.scale(vector.data(), -3, 2.0f); });
    calls.reject("axpby", "a negative count", [&] { backend.axpby(1.0f, mask.data(), 1.0f, vector.data(), -1); });
    calls.reject("axpby", "a missing y", [&] { backend.axpby(1.0f, mask.data(), 1.0f, nullptr, 4); });
    calls.reject("add_row_vector", "a missing row vector", [&] { backend.add_row_vector(square.view(), nullptr); });
    calls.reject("column_sums", "a missing output", [&] {
        backend.column_sums(1.0f, square.const_view(), 0.0f, nullptr);
    });
    calls.reject("row_dot", "a 4x4 and a 2x8 matrix", [&] {
        backend.row_dot(1.0f, square.const_view(), {vector.data(), 2, 8}, 0.0f, mask.data());
    });
    calls.reject("row_dot", "a missing output", [&] {
        backend.row_dot(1.0f, square.const_view(), square.const_view(), 0.0f, nullptr);
    });
    calls.reject("scale_rows", "a missing scale", [&] {
        backend.scale_rows(square.const_view(), nullptr, 0.0f, square.view());
    });
    calls.reject("scale_rows", "an output of another shape", [&] {
        backend.scale_rows(square.const_view(), mask.data(), 0.0f, {vector.data(), 8, 2});
    });
    calls.reject("relu_forward", "a 4x4 input and a 2x8 output", [&] {
        backend.relu_forward(square.const_view(), {vector.data(), 2, 8});
    });
    calls.reject("relu_forward", "a leading dimension below the column count", [&] {
        backend.relu_forward({square.view().data, 2, 4, 3}, {vector.data(), 2, 4});
    });
    calls.reject("relu_backward", "a gradient of another shape", [&] {
        backend.relu_backward(square.const_view(), {vector.data(), 8, 2}, square.view());
    });
    calls.reject("dropout_forward", "rate 1", [&] {
        backend.dropout_forward(square.const_view(), square.view(), mask.data(), 1.0f, 1, 0);
    });
    calls.reject("dropout_forward", "a negative rate", [&] {
        backend.dropout_forward(square.const_view(), square.view(), mask.data(), -0.1f, 1, 0);
    });
    calls.reject("dropout_forward", "a NaN rate", [&] {
        backend.dropout_forward(square.const_view(), square.view(), mask.data(),
                                std::numeric_limits<float>::quiet_NaN(), 1, 0);
    });
    calls.reject("dropout_forward", "an output of another shape", [&] {
        backend.dropout_forward(square.const_view(), {vector.data(), 2, 8}, mask.data(), 0.5f, 1, 0);
    });
    calls.reject("dropout_backward", "an output of another shape", [&] {
        backend.dropout_backward(square.const_view(), mask.data(), {vector.data(), 16, 1});
    });
}

// The throughput cases work on 2^24 floats (64 MiB an array), far beyond any cache, in a 4096 x 4096
// matrix where the operation takes one. The bytes count each array read and each array written once;
// the flops count one per element and arithmetic operation.
constexpr std::int64_t throughput_rows = 4096;
constexpr std::int64_t throughput_cols = 4096;
constexpr std::int64_t throughput_count = throughput_rows * throughput_cols;
constexpr double array_bytes = 4.0 * throughput_count;
constexpr double elements = throughput_count;

void add_throughput_cases(ThroughputCaseList& cases) {
    const std::string size = "4096x4096";
    auto matrix = [](const std::shared_ptr<DeviceBuffer<float>>& buffer) {
        return MatrixView{buffer->data(), throughput_rows, throughput_cols};
    };
    cases.push_back({"fill", size, array_bytes, 0.0, [](Backend& backend, Random&) -> std::function<void()> {
        auto x = std::make_shared<DeviceBuffer<float>>(backend, throughput_count, "x");
        return [&backend, x] { backend.fill(x->data(), throughput_count, 1.5f); };
    }});
    cases.push_back({"scale", size, 2.0 * array_bytes, elements,
                     [](Backend& backend, Random& random) -> std::function<void()> {
        auto x = device_copy(backend, random_values(random, throughput_count), "x");
        // Alternating factors keep the values bounded however often the call repeats.
        auto flip = std::make_shared<bool>(false);
        return [&backend, x, flip] {
            *flip = !*flip;
            backend.scale(x->data(), throughput_count, *flip ? 2.0f : 0.5f);
        };
    }});
    cases.push_back({"axpby", size, 3.0 * array_bytes, 3.0 * elements,
                     [](Backend& backend, Random& random) -> std::function<void()> {
        auto x = device_copy(backend, random_values(random, throughput_count), "x");
        auto y = device_copy(backend, random_values(random, throughput_count), "y");
        return [&backend, x, y] { backend.axpby(0.5f, x->data(), 0.5f, y->data(), throughput_count); };
    }});
    cases.push_back({"add_row_vector", size, 2.0 * array_bytes, elements,
                     [matrix](Backend& backend, Random& random) -> std::function<void()> {
        auto m = device_copy(backend, random_values(random, throughput_count), "m");
        auto row = device_copy(backend, random_values(random, throughput_cols, -1e-3f, 1e-3f), "row vector");
        return [&backend, m, row, matrix] { backend.add_row_vector(matrix(m), row->data()); };
    }});
    cases.push_back({"column_sums", size, array_bytes, elements,
                     [matrix](Backend& backend, Random& random) -> std::function<void()> {
        auto m = device_copy(backend, random_values(random, throughput_count), "m");
        auto out = std::make_shared<DeviceBuffer<float>>(backend, throughput_cols, "out");
        return [&backend, m, out, matrix] { backend.column_sums(1.0f, matrix(m), 0.0f, out->data()); };
    }});
    // row_dot reads two arrays and writes one float per row; two flops per element.
    cases.push_back({"row_dot", size, 2.0 * array_bytes, 2.0 * elements,
                     [matrix](Backend& backend, Random& random) -> std::function<void()> {
        auto a = device_copy(backend, random_values(random, throughput_count), "a");
        auto b = device_copy(backend, random_values(random, throughput_count), "b");
        auto out = std::make_shared<DeviceBuffer<float>>(backend, throughput_rows, "out");
        return [&backend, a, b, out, matrix] { backend.row_dot(1.0f, matrix(a), matrix(b), 0.0f, out->data()); };
    }});
    cases.push_back({"scale_rows", size, 2.0 * array_bytes, elements,
                     [matrix](Backend& backend, Random& random) -> std::function<void()> {
        auto in = device_copy(backend, random_values(random, throughput_count), "in");
        auto scale = device_copy(backend, random_values(random, throughput_rows), "scale");
        auto out = std::make_shared<DeviceBuffer<float>>(backend, throughput_count, "out");
        return [&backend, in, scale, out, matrix] {
            backend.scale_rows(matrix(in), scale->data(), 0.0f, matrix(out));
        };
    }});
    cases.push_back({"relu_forward", size, 2.0 * array_bytes, elements,
                     [matrix](Backend& backend, Random& random) -> std::function<void()> {
        auto in = device_copy(backend, random_values(random, throughput_count), "in");
        auto out = std::make_shared<DeviceBuffer<float>>(backend, throughput_count, "out");
        return [&backend, in, out, matrix] { backend.relu_forward(matrix(in), matrix(out)); };
    }});
    cases.push_back({"relu_backward", size, 3.0 * array_bytes, elements,
                     [matrix](Backend& backend, Random& random) -> std::function<void()> {
        auto activation = device_copy(backend, random_values(random, throughput_count), "activation");
        auto grad_out = device_copy(backend, random_values(random, throughput_count), "grad_out");
        auto grad_in = std::make_shared<DeviceBuffer<float>>(backend, throughput_count, "grad_in");
        return [&backend, activation, grad_out, grad_in, matrix] {
            backend.relu_backward(matrix(activation), matrix(grad_out), matrix(grad_in));
        };
    }});
    // dropout_forward reads the input and writes the output and the mask; the mask's hash is integer
    // work the flops do not count.
    cases.push_back({"dropout_forward", size, 3.0 * array_bytes, elements,
                     [matrix](Backend& backend, Random& random) -> std::function<void()> {
        auto in = device_copy(backend, random_values(random, throughput_count), "in");
        auto out = std::make_shared<DeviceBuffer<float>>(backend, throughput_count, "out");
        auto mask = std::make_shared<DeviceBuffer<float>>(backend, throughput_count, "mask");
        return [&backend, in, out, mask, matrix] {
            backend.dropout_forward(matrix(in), matrix(out), mask->data(), 0.1f, 7, 0);
        };
    }});
    cases.push_back({"dropout_backward", size, 3.0 * array_bytes, elements,
                     [matrix](Backend& backend, Random& random) -> std::function<void()> {
        auto grad_out = device_copy(backend, random_values(random, throughput_count), "grad_out");
        auto mask = device_copy(backend, random_values(random, throughput_count), "mask");
        auto grad_in = std::make_shared<DeviceBuffer<float>>(backend, throughput_count, "grad_in");
        return [&backend, grad_out, mask, grad_in, matrix] {
            backend.dropout_backward(matrix(grad_out), mask->data(), matrix(grad_in));
        };
    }});
    // relu_forward on a 4096-column block of a 4160-column matrix: the price of the row-by-row path.
    cases.push_back({"relu_forward", size + ", column blocks", 2.0 * array_bytes, elements,
                     [](Backend& backend, Random& random) -> std::function<void()> {
        constexpr std::int64_t wide = throughput_cols + 64;
        auto in = device_copy(backend, random_values(random, throughput_rows * wide), "in");
        auto out = device_copy(backend, random_values(random, throughput_rows * wide), "out");
        const MatrixView in_view{in->data(), throughput_rows, throughput_cols, wide};
        const MatrixView out_view{out->data(), throughput_rows, throughput_cols, wide};
        return [&backend, in, out, in_view, out_view] { backend.relu_forward(in_view, out_view); };
    }, true});
}

}  // namespace

OperationFamily elementwise_family() {
    return {"elementwise", add_cases, call_with_empty_input, call_with_mismatched_shapes, add_throughput_cases};
}

}  // namespace tb::conformance
