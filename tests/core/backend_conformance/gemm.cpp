// The gemm family: dense matrix products (cpu_backend.cpp's linear algebra, cuBLAS on the GPU).

#include <memory>
#include <string>

#include "tests/core/backend_conformance/conformance_case.h"
#include "tests/core/backend_conformance/guarded_arrays.h"
#include "tests/core/backend_conformance/random_inputs.h"
#include "tests/core/backend_conformance/strided_blocks.h"
#include "tests/core/backend_conformance/throughput_operands.h"

namespace tb::conformance {
namespace {

const char* transpose_tag(Transpose transpose) { return transpose == Transpose::yes ? "T" : "N"; }

void add_gemm_cases(CaseList& cases) {
    struct Shape {
        const char* label;
        std::int64_t m, n, k;
        float alpha, beta;
    };
    // beta 0 always meets a C full of NaN: BLAS semantics, C is written without being read.
    const Shape shapes[] = {
        {"1x1x1", 1, 1, 1, 1.0f, 0.0f},
        {"odd 7x13x5", 7, 13, 5, 1.0f, 0.0f},
        {"33x65x129 beta -1.5", 33, 65, 129, 0.75f, -1.5f},
        {"130x257x96", 130, 257, 96, -1.0f, 0.0f},
        {"inner 0", 5, 6, 0, 1.0f, 0.0f},
        {"inner 0 beta 2", 5, 6, 0, 1.0f, 2.0f},
        {"0-row batch", 0, 9, 4, 1.0f, 0.5f},
    };
    for (Transpose transpose_a : {Transpose::no, Transpose::yes}) {
        for (Transpose transpose_b : {Transpose::no, Transpose::yes}) {
            for (const Shape& shape : shapes) {
                const std::string name = std::string(transpose_tag(transpose_a)) + transpose_tag(transpose_b) + " " +
                                         shape.label;
                cases.push_back({"gemm", name, shape.m == 0 || shape.k == 0, [=](CaseContext& context) {
                    Random& random = context.random();
                    const HostMatrix a = transpose_a == Transpose::yes ? random_matrix(random, shape.k, shape.m)
                                                                       : random_matrix(random, shape.m, shape.k);
                    const HostMatrix b = transpose_b == Transpose::yes ? random_matrix(random, shape.n, shape.k)
                                                                       : random_matrix(random, shape.k, shape.n);
                    const HostMatrix c = shape.beta == 0.0f ? nan_matrix(shape.m, shape.n)
                                                            : random_matrix(random, shape.m, shape.n);
                    GuardedMatrix device_a(context, a, "a", Role::input);
                    GuardedMatrix device_b(context, b, "b", Role::input);
                    GuardedMatrix device_c(context, c, "c", Role::output);
                    context.backend().gemm(transpose_a, transpose_b, shape.alpha, device_a.const_view(),
                                           device_b.const_view(), shape.beta, device_c.view());
                    context.compare("c", device_c.download(),
                                    reference::gemm(transpose_a, transpose_b, shape.alpha, a, b, shape.beta, c),
                                    tolerance::accumulation, static_cast<double>(shape.k));
                }});
            }
        }
    }
}

// a, b and c as column blocks of wider matrices: BLAS's leading dimensions. The shapes reach the CPU
// backend's split of a product among threads, along c's rows and along its columns, where each part's
// pointers are offset by whole rows of the wider matrices.
void add_strided_gemm_cases(CaseList& cases) {
    struct Shape {
        const char* label;
        std::int64_t m, n, k;
        float alpha, beta;
    };
    const Shape shapes[] = {
        {"7x13x5", 7, 13, 5, 1.0f, 0.0f},
        {"300x40x400 split along rows, beta 0.5", 300, 40, 400, 1.0f, 0.5f},
        {"40x300x400 split along columns", 40, 300, 400, -0.5f, 0.0f},
        {"inner 0 beta 2", 5, 6, 0, 1.0f, 2.0f},
    };
    for (Transpose transpose_a : {Transpose::no, Transpose::yes}) {
        for (Transpose transpose_b : {Transpose::no, Transpose::yes}) {
            for (const Shape& shape : shapes) {
                const std::string name = std::string(transpose_tag(transpose_a)) + transpose_tag(transpose_b) +
                                         " column blocks " + shape.label;
                cases.push_back({"gemm", name, false, [=](CaseContext& context) {
                    Random& random = context.random();
                    const HostMatrix a = transpose_a == Transpose::yes ? random_matrix(random, shape.k, shape.m)
                                                                       : random_matrix(random, shape.m, shape.k);
                    const HostMatrix b = transpose_b == Transpose::yes ? random_matrix(random, shape.n, shape.k)
                                                                       : random_matrix(random, shape.k, shape.n);
                    // beta 0: the block is written without being read, NaN included.
                    const HostMatrix c = shape.beta == 0.0f ? nan_matrix(shape.m, shape.n)
                                                            : random_matrix(random, shape.m, shape.n);
                    const HostMatrix wide_a = widen(random, a);
                    const HostMatrix wide_b = widen(random, b);
                    const HostMatrix wide_c = widen(random, c);
                    GuardedMatrix device_a(context, wide_a, "a", Role::input);
                    GuardedMatrix device_b(context, wide_b, "b", Role::input);
                    GuardedMatrix device_c(context, wide_c, "c", Role::output);
                    auto call = [&] {
                        context.backend().gemm(transpose_a, transpose_b, shape.alpha,
                                               device_a.block(columns_left_of_block, a.cols),
                                               device_b.block(columns_left_of_block, b.cols), shape.beta,
                                               device_c.block(columns_left_of_block, c.cols));
                    };
                    if (strided_views_refused(context, Operation::gemm, call)) return;
                    call();
                    compare_column_block(context, "c", device_c.download(), wide_c, c.cols,
                                         reference::gemm(transpose_a, transpose_b, shape.alpha, a, b, shape.beta, c),
                                         tolerance::accumulation, static_cast<double>(shape.k));
                }, true});
            }
        }
    }
}

void add_cases(CaseList& cases) {
    add_gemm_cases(cases);
    add_strided_gemm_cases(cases);
}

void call_with_empty_input(OperationCalls& calls) {
    Backend& backend = calls.backend();
    CaseContext& context = calls.context();
    GuardedMatrix b(context, random_matrix(calls.random(), 5, 3), "b", Role::input);
    GuardedMatrix c(context, nan_matrix(4, 3), "c", Role::output);
    calls.attempt("gemm", [&] {
        backend.gemm(Transpose::no, Transpose::no, 1.0f, {nullptr, 0, 5}, b.const_view(), 0.0f, {nullptr, 0, 3});
        backend.gemm(Transpose::yes, Transpose::no, 1.0f, {nullptr, 0, 0}, {nullptr, 0, 0}, 0.0f, {nullptr, 0, 0});
        // No inner dimension: c = beta * c, and beta 0 clears the NaN.
        backend.gemm(Transpose::no, Transpose::yes, 1.0f, {nullptr, 4, 0}, {nullptr, 3, 0}, 0.0f, c.view());
    });
    context.compare("gemm c", c.download(), constant_expected(12, 0.0), tolerance::exact, 0.0);
}

void call_with_mismatched_shapes(OperationCalls& calls) {
    Backend& backend = calls.backend();
    CaseContext& context = calls.context();
    // Every buffer is an input here: a rejected call writes nothing.
    GuardedMatrix a(context, random_matrix(calls.random(), 3, 4), "a", Role::input);
    GuardedMatrix b(context, random_matrix(calls.random(), 5, 2), "b", Role::input);
    GuardedMatrix c(context, random_matrix(calls.random(), 3, 2), "c", Role::input);
    calls.reject("gemm", "inner dimensions 4 and 5", [&] {
        backend.gemm(Transpose::no, Transpose::no, 1.0f, a.const_view(), b.const_view(), 0.0f, c.view());
    });
    calls.reject("gemm", "an output of the wrong shape", [&] {
        backend.gemm(Transpose::yes, Transpose::no, 1.0f, {a.view().data, 4, 3}, {b.view().data, 4, 2}, 0.0f,
                     {c.view().data, 2, 3});
    });
    calls.reject("gemm", "a transposed b that does not fit", [&] {
        backend.gemm(Transpose::no, Transpose::yes, 1.0f, a.const_view(), {b.view().data, 2, 5}, 0.0f, c.view());
    });
    calls.reject("gemm", "a leading dimension below the column count", [&] {
        backend.gemm(Transpose::no, Transpose::no, 1.0f, {a.view().data, 2, 2, 1}, {b.view().data, 2, 2}, 0.0f,
                     {c.view().data, 2, 2});
    });
}

// 2 m n k flops; a, b and c cross memory once each (beta 0: c is only written).
ThroughputCase gemm_throughput(const std::string& name, Transpose transpose_a, Transpose transpose_b, std::int64_t m,
                               std::int64_t n, std::int64_t k, bool column_blocks) {
    const double elements = static_cast<double>(m * k + k * n + m * n);
    const double flops = 2.0 * static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k);
    return {"gemm", name, 4.0 * elements, flops, [=](Backend& backend, Random& random) -> std::function<void()> {
                // With column blocks every operand is a block of a matrix 64 columns wider.
                const std::int64_t extra = column_blocks ? 64 : 0;
                const std::int64_t a_rows = transpose_a == Transpose::yes ? k : m;
                const std::int64_t a_cols = transpose_a == Transpose::yes ? m : k;
                const std::int64_t b_rows = transpose_b == Transpose::yes ? n : k;
                const std::int64_t b_cols = transpose_b == Transpose::yes ? k : n;
                auto a = device_copy(backend, random_values(random, a_rows * (a_cols + extra)), "a");
                auto b = device_copy(backend, random_values(random, b_rows * (b_cols + extra)), "b");
                auto c = device_copy(backend, random_values(random, m * (n + extra)), "c");
                const ConstMatrixView a_view{a->data(), a_rows, a_cols, a_cols + extra};
                const ConstMatrixView b_view{b->data(), b_rows, b_cols, b_cols + extra};
                const MatrixView c_view{c->data(), m, n, n + extra};
                return [&backend, a, b, c, a_view, b_view, c_view, transpose_a, transpose_b] {
                    backend.gemm(transpose_a, transpose_b, 1.0f, a_view, b_view, 0.0f, c_view);
                };
            }, column_blocks};
}

void add_throughput_cases(ThroughputCaseList& cases) {
    cases.push_back(gemm_throughput("NN 1024x1024x1024", Transpose::no, Transpose::no, 1024, 1024, 1024, false));
    // A hidden layer's step at batch 256 with 2048 inputs and 1024 outputs: forward, input gradient,
    // weight gradient.
    cases.push_back(
        gemm_throughput("NN 256x1024x2048, forward", Transpose::no, Transpose::no, 256, 1024, 2048, false));
    cases.push_back(
        gemm_throughput("NT 256x2048x1024, input gradient", Transpose::no, Transpose::yes, 256, 2048, 1024, false));
    cases.push_back(
        gemm_throughput("TN 2048x1024x256, weight gradient", Transpose::yes, Transpose::no, 2048, 1024, 256, false));
    cases.push_back(
        gemm_throughput("NN 1024x1024x1024, column blocks", Transpose::no, Transpose::no, 1024, 1024, 1024, true));
}

}  // namespace

OperationFamily gemm_family() {
    return {"gemm", add_cases, call_with_empty_input, call_with_mismatched_shapes, add_throughput_cases};
}

}  // namespace tb::conformance
