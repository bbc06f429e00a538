// The sparse products family: a CSR matrix times a dense one, and its transpose times a dense one (the
// sparse input layer's forward and weight gradient, graph convolution's A x H).

#include <memory>
#include <string>

#include "tests/core/backend_conformance/conformance_case.h"
#include "tests/core/backend_conformance/guarded_arrays.h"
#include "tests/core/backend_conformance/random_inputs.h"
#include "tests/core/backend_conformance/strided_blocks.h"
#include "tests/core/backend_conformance/throughput_operands.h"

namespace tb::conformance {
namespace {

struct CsrProductShape {
    const char* label;
    std::int64_t rows, cols, n;  // a is rows x cols, the dense operands have n columns
    SparsePattern pattern;
    float alpha, beta;
};

void add_csr_times_dense_cases(CaseList& cases) {
    const CsrProductShape shapes[] = {
        {"9x17 with empty rows, n 5", 9, 17, 5, {0.3, 0.25, 0}, 1.0f, 0.0f},
        {"300x1000, n 129, beta 0.5", 300, 1000, 129, {0.02, 0.1, 0}, -0.5f, 0.5f},
        {"64x20 shared columns, n 33", 64, 20, 33, {0.1, 0.0, 2}, 1.0f, 0.0f},
        {"50x30, n 1", 50, 30, 1, {0.2, 0.1, 0}, 2.0f, 1.0f},
        {"all rows empty", 6, 40, 3, {0.0, 0.0, 0}, 1.0f, 0.0f},
        {"all rows empty, beta -1", 6, 40, 3, {0.0, 0.0, 0}, 1.0f, -1.0f},
        {"0-row batch", 0, 50, 8, {0.2, 0.0, 0}, 1.0f, 0.0f},
    };
    for (const CsrProductShape& shape : shapes) {
        cases.push_back({"csr_times_dense", shape.label, shape.rows == 0, [=](CaseContext& context) {
            Random& random = context.random();
            const HostCsr a = random_csr(random, shape.rows, shape.cols, shape.pattern);
            const HostMatrix b = random_matrix(random, shape.cols, shape.n);
            const HostMatrix c = shape.beta == 0.0f ? nan_matrix(shape.rows, shape.n)
                                                    : random_matrix(random, shape.rows, shape.n);
            GuardedCsr device_a(context, a, "a");
            GuardedMatrix device_b(context, b, "b", Role::input);
            GuardedMatrix device_c(context, c, "c", Role::output);
            context.backend().csr_times_dense(shape.alpha, device_a.view(), device_b.const_view(), shape.beta,
                                              device_c.view());
            context.compare("c", device_c.download(), reference::csr_times_dense(shape.alpha, a, b, shape.beta, c),
                            tolerance::accumulation, static_cast<double>(longest_row(a)));
        }});
    }
}

void add_csr_transpose_times_dense_cases(CaseList& cases) {
    // The two large shapes cross the CPU backend's parallel threshold on either side of its split:
    // a wide output is divided by columns, a narrow one by output rows.
    const CsrProductShape shapes[] = {
        {"9x17 with empty rows, n 5", 9, 17, 5, {0.3, 0.25, 0}, 1.0f, 0.0f},
        {"wide output 300x131 from 400 rows", 400, 300, 131, {0.05, 0.05, 3}, 1.0f, 0.0f},
        {"narrow output 3000x13 from 500 rows, beta 1.5", 500, 3000, 13, {0.01, 0.05, 1}, 0.5f, 1.5f},
        {"64x20 shared columns, n 33", 64, 20, 33, {0.1, 0.0, 2}, -1.0f, 0.0f},
        {"all rows empty", 8, 11, 4, {0.0, 0.0, 0}, 1.0f, 0.0f},
        {"0-row batch", 0, 20, 7, {0.2, 0.0, 0}, 1.0f, 0.0f},
        {"0-row batch, beta 0.5", 0, 20, 7, {0.2, 0.0, 0}, 1.0f, 0.5f},
    };
    for (const CsrProductShape& shape : shapes) {
        cases.push_back({"csr_transpose_times_dense", shape.label, shape.rows == 0, [=](CaseContext& context) {
            Random& random = context.random();
            const HostCsr a = random_csr(random, shape.rows, shape.cols, shape.pattern);
            const HostMatrix b = random_matrix(random, shape.rows, shape.n);
            const HostMatrix c = shape.beta == 0.0f ? nan_matrix(shape.cols, shape.n)
                                                    : random_matrix(random, shape.cols, shape.n);
            GuardedCsr device_a(context, a, "a");
            GuardedMatrix device_b(context, b, "b", Role::input);
            GuardedMatrix device_c(context, c, "c", Role::output);
            context.backend().csr_transpose_times_dense(shape.alpha, device_a.view(), device_b.const_view(),
                                                        shape.beta, device_c.view());
            context.compare("c", device_c.download(),
                            reference::csr_transpose_times_dense(shape.alpha, a, b, shape.beta, c),
                            tolerance::accumulation, static_cast<double>(most_shared_column(a)));
        }});
    }
}

// b and c as column blocks of wider matrices: a block of a node-feature matrix multiplied by the
// adjacency, written into a block of the output.
void add_strided_sparse_product_cases(CaseList& cases) {
    const CsrProductShape shapes[] = {
        {"9x17 with empty rows, n 5", 9, 17, 5, {0.3, 0.25, 0}, 1.0f, 0.0f},
        {"300x1000, n 129, beta 0.5", 300, 1000, 129, {0.02, 0.1, 0}, -0.5f, 0.5f},
        {"wide output 300x131 from 400 rows", 400, 300, 131, {0.05, 0.05, 3}, 1.0f, 0.0f},
    };
    for (bool transposed : {false, true}) {
        const Operation operation = transposed ? Operation::csr_transpose_times_dense : Operation::csr_times_dense;
        for (const CsrProductShape& shape : shapes) {
            cases.push_back({std::string(to_string(operation)), std::string("column blocks ") + shape.label, false,
                             [=](CaseContext& context) {
                Random& random = context.random();
                const HostCsr a = random_csr(random, shape.rows, shape.cols, shape.pattern);
                const std::int64_t b_rows = transposed ? shape.rows : shape.cols;
                const std::int64_t c_rows = transposed ? shape.cols : shape.rows;
                const HostMatrix b = random_matrix(random, b_rows, shape.n);
                const HostMatrix c =
                    shape.beta == 0.0f ? nan_matrix(c_rows, shape.n) : random_matrix(random, c_rows, shape.n);
                const HostMatrix wide_b = widen(random, b);
                const HostMatrix wide_c = widen(random, c);
                GuardedCsr device_a(context, a, "a");
                GuardedMatrix device_b(context, wide_b, "b", Role::input);
                GuardedMatrix device_c(context, wide_c, "c", Role::output);
                auto call = [&] {
                    const ConstMatrixView b_block = device_b.block(columns_left_of_block, shape.n);
                    const MatrixView c_block = device_c.block(columns_left_of_block, shape.n);
                    if (transposed) {
                        context.backend().csr_transpose_times_dense(shape.alpha, device_a.view(), b_block, shape.beta,
                                                                    c_block);
                    } else {
                        context.backend().csr_times_dense(shape.alpha, device_a.view(), b_block, shape.beta, c_block);
                    }
                };
                if (strided_views_refused(context, operation, call)) return;
                call();
                if (transposed) {
                    compare_column_block(context, "c", device_c.download(), wide_c, shape.n,
                                         reference::csr_transpose_times_dense(shape.alpha, a, b, shape.beta, c),
                                         tolerance::accumulation, static_cast<double>(most_shared_column(a)));
                } else {
                    compare_column_block(context, "c", device_c.download(), wide_c, shape.n,
                                         reference::csr_times_dense(shape.alpha, a, b, shape.beta, c),
                                         tolerance::accumulation, static_cast<double>(longest_row(a)));
                }
            }, true});
        }
    }
}

void add_cases(CaseList& cases) {
    add_csr_times_dense_cases(cases);
    add_csr_transpose_times_dense_cases(cases);
    add_strided_sparse_product_cases(cases);
}

void call_with_empty_input(OperationCalls& calls) {
    Backend& backend = calls.backend();
    CaseContext& context = calls.context();
    GuardedMatrix b(context, random_matrix(calls.random(), 5, 3), "b", Role::input);
    GuardedArray<std::int64_t> no_rows(context, {0}, "row offsets of a 0-row CSR", Role::input);
    GuardedMatrix gradient(context, nan_matrix(5, 3), "gradient", Role::output);
    const CsrView empty_csr{0, 5, 0, no_rows.data(), nullptr, nullptr};
    calls.attempt("csr_times_dense", [&] {
        backend.csr_times_dense(1.0f, empty_csr, b.const_view(), 0.0f, {nullptr, 0, 3});
    });
    // A 0-row batch has a zero weight gradient: beta 0 clears it.
    calls.attempt("csr_transpose_times_dense", [&] {
        backend.csr_transpose_times_dense(1.0f, empty_csr, {nullptr, 0, 3}, 0.0f, gradient.view());
    });
    context.compare("csr_transpose_times_dense c", gradient.download(), constant_expected(15, 0.0), tolerance::exact,
                    0.0);
}

void call_with_mismatched_shapes(OperationCalls& calls) {
    Backend& backend = calls.backend();
    CaseContext& context = calls.context();
    Random& random = calls.random();
    GuardedMatrix b(context, random_matrix(random, 5, 2), "b", Role::input);
    GuardedMatrix c(context, random_matrix(random, 3, 2), "c", Role::input);
    GuardedMatrix square(context, random_matrix(random, 4, 4), "square", Role::input);
    const HostCsr host_csr = random_csr(random, 3, 5, {1.0, 0.0, 0});
    GuardedCsr csr(context, host_csr, "csr");
    calls.reject("csr_times_dense", "b with fewer rows than a has columns", [&] {
        backend.csr_times_dense(1.0f, csr.view(), {square.view().data, 4, 2}, 0.0f, {c.view().data, 3, 2});
    });
    calls.reject("csr_times_dense", "c with the wrong width", [&] {
        backend.csr_times_dense(1.0f, csr.view(), {square.view().data, 5, 2}, 0.0f, {c.view().data, 3, 1});
    });
    calls.reject("csr_times_dense", "more non-zeros than a has entries", [&] {
        CsrView crowded = csr.view();
        crowded.rows = 1;
        backend.csr_times_dense(1.0f, crowded, {square.view().data, 5, 2}, 0.0f, {c.view().data, 1, 2});
    });
    calls.reject("csr_transpose_times_dense", "c with a's row count instead of its column count", [&] {
        backend.csr_transpose_times_dense(1.0f, csr.view(), {b.view().data, 3, 2}, 0.0f, {c.view().data, 3, 2});
    });
    calls.reject("csr_transpose_times_dense", "b with the wrong height", [&] {
        backend.csr_transpose_times_dense(1.0f, csr.view(), {b.view().data, 4, 2}, 0.0f, {square.view().data, 5, 2});
    });
}

// A sparse input layer's batch: 1024 rows over 50,000 features, about 100 non-zeros a row, times a
// 256-column dense matrix. 2 nnz n flops; the bytes are the CSR arrays, the dense operand and the
// output once each.
constexpr std::int64_t rows = 1024;
constexpr std::int64_t features = 50000;
constexpr std::int64_t n = 256;
constexpr double density = 0.002;

ThroughputCase sparse_product_throughput(bool transposed) {
    const double nnz = density * rows * features;
    const double csr_bytes = nnz * (4.0 + 4.0) + 8.0 * (rows + 1);
    const double dense_bytes = 4.0 * static_cast<double>(rows + features) * n;
    const Operation operation = transposed ? Operation::csr_transpose_times_dense : Operation::csr_times_dense;
    return {std::string(to_string(operation)), "1024x50000 at density 0.002, n 256", csr_bytes + dense_bytes,
            2.0 * nnz * n, [=](Backend& backend, Random& random) -> std::function<void()> {
                auto a = device_copy(backend, random_csr(random, rows, features, {density, 0.0, 0}));
                const std::int64_t b_rows = transposed ? rows : features;
                const std::int64_t c_rows = transposed ? features : rows;
                auto b = device_copy(backend, random_values(random, b_rows * n), "b");
                auto c = device_copy(backend, random_values(random, c_rows * n), "c");
                return [&backend, a, b, c, b_rows, c_rows, transposed] {
                    const ConstMatrixView b_view{b->data(), b_rows, n};
                    const MatrixView c_view{c->data(), c_rows, n};
                    if (transposed) {
                        backend.csr_transpose_times_dense(1.0f, a->view(), b_view, 0.0f, c_view);
                    } else {
                        backend.csr_times_dense(1.0f, a->view(), b_view, 0.0f, c_view);
                    }
                };
            }};
}

void add_throughput_cases(ThroughputCaseList& cases) {
    cases.push_back(sparse_product_throughput(false));
    cases.push_back(sparse_product_throughput(true));
}

}  // namespace

OperationFamily sparse_products_family() {
    return {"sparse_products", add_cases, call_with_empty_input, call_with_mismatched_shapes, add_throughput_cases};
}

}  // namespace tb::conformance
